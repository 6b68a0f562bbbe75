// The declarations live in include/EventPoll.h; SwiftPM needs one source file per C target.
#include "EventPoll.h"
