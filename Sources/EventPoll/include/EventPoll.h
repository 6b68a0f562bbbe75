#ifndef OPTD_EVENT_POLL_H
#define OPTD_EVENT_POLL_H

// epoll and eventfd for HTTP1's event loops. Glibc's Swift module does not export
// <sys/epoll.h> or <sys/eventfd.h>, so this target makes them visible; it adds no behaviour.
#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
