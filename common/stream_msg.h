/* Transitional: web/ still includes this; it goes once web/ names the
 * headers it uses (streams.h, bounds.h, text.h). */
#ifndef CF_STREAM_MSG_H
#define CF_STREAM_MSG_H
#include "bounds.h"
#include "streams.h"
#include "text.h"
#endif
