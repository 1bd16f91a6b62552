/*
 * progress_reader.c — the thread that follows cf:progress (docs/streams.md).
 *
 * A plain blocking XREAD from the stream's end: every cf-web process sees
 * every entry (there is no consumer group), and only what comes after its
 * start. Each entry updates the progress table (live_progress.c), which
 * the live pages read for their ticks. The database learns that a fight
 * runs from cf-result-processor, the one writer of that change
 * (result_processor/progress.c). The thread, its own connection and the
 * XREAD loop are stream_reader.c's, shared with revocation.c. Like a
 * request, it starts at the top and calls only down.
 */
#include "progress_entry.h"
#include "stream_group.h"
#include "web.h"

/* ---- the reader thread ---- */

static stream_reader *reader;

/* Takes one fight entry into the table (a play's progress is for the result
 * processor). The entry is read by the contract's own decoder
 * (common/progress_entry.h). */
static void take_entry(const cf_entry *e)
{
    cf_progress_entry p;
    if (cf_progress_entry_decode(e->fields, e->nfields, &p, NULL, 0) == 0 && !p.play)
        live_progress_set(p.id, p.tick, p.state != CF_PROGRESS_FINISHED);
}

void progress_reader_start(void)
{
    reader = stream_reader_start("progress reader", CF_STREAM_PROGRESS, take_entry, NULL);
}

void progress_reader_stop(void)
{
    stream_reader_stop(reader);
    reader = NULL;
}
