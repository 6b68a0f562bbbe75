-- wrk script for benchmarks/run: POST the file $BODY with Content-Type $CTYPE to $TARGET.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.path = os.getenv("TARGET")
wrk.headers["Content-Type"] = os.getenv("CTYPE")
wrk.body = f:read("*all")
f:close()
