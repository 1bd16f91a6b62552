/*
 * streams.h — the names of the Redis keys the services meet on.
 *
 * The catalogue; each entry's fields have their own header, with the one
 * function that builds and the one that reads them:
 *
 *   cf:fights         a fight to run                   fight_entry.h
 *   cf:plays          an arcade play to run            play_entry.h
 *   cf:results        what ran, and how it ended       result_entry.h
 *   cf:progress       a fight's life while it runs     progress_entry.h
 *   cf:fights:dead    entries no one could process,    stream_group.h
 *   cf:plays:dead     with the reason
 *   cf:play:<id>:out  a play's display messages        play_entry.h
 *   cf:play:<id>:in   a play's input events            play_entry.h
 *   cf:cancel:<id>    stop a fight or a play (a key: SET ... EX 86400)
 *   cf:service:<kind>:<name>  a service's heartbeat (a hash)  heartbeat.h
 *
 * docs/streams.md documents them for people; docs/architecture.md follows
 * one fight through them.
 */
#ifndef CF_STREAMS_H
#define CF_STREAMS_H

#define CF_STREAM_FIGHTS "cf:fights"
#define CF_STREAM_PLAYS "cf:plays"
#define CF_STREAM_RESULTS "cf:results"
#define CF_STREAM_PROGRESS "cf:progress"
#define CF_STREAM_DEAD "cf:fights:dead"
#define CF_STREAM_PLAYS_DEAD "cf:plays:dead"
#define CF_GROUP_SIMULATORS "simulators"
#define CF_GROUP_RESULTS "result-processors"
#define CF_CANCEL_PREFIX "cf:cancel:"
#define CF_CANCEL_TTL_S 86400

#endif
