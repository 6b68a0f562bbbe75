// HTTP1: filled in by the HTTP/1.1 server issue.
