-- wrk script: POST the raw float32 gradient in the file $STEP_BODY to session "bench".
local f = assert(io.open(os.getenv("STEP_BODY"), "rb"))
wrk.method = "POST"
wrk.path = "/v1/sessions/bench/step"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Prefer"] = "return=minimal"
wrk.body = f:read("*all")
f:close()

function response(status)
  if status ~= 204 then error("unexpected status " .. status) end
end
