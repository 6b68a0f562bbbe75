-- wrk script for benchmarks/run: POST the file $BODY with Content-Type $CTYPE to $TARGET.
--
-- With BODIES=N (N > 1) it POSTs N files in turn instead: $BODY's siblings `<stem>-0<ext>` ...
-- `<stem>-(N-1)<ext>`, each a different gradient. A trainer's gradients differ every step; one
-- body sent over and over lets the CPU's branch predictor learn its numbers (a 1k JSON body's
-- 1,000 signs, digit counts and exponents), which flatters whoever parses it.
local function read(path)
    local f = assert(io.open(path, "rb"))
    local text = f:read("*all")
    f:close()
    return text
end

local body = os.getenv("BODY")
local count = tonumber(os.getenv("BODIES") or "1")
wrk.method = "POST"
wrk.path = os.getenv("TARGET")
wrk.headers["Content-Type"] = os.getenv("CTYPE")

if count <= 1 then
    wrk.body = read(body)
else
    local stem, ext = body:match("^(.*)(%.[^./]*)$")
    local requests = {}
    -- Formatted in init, once wrk has added the Host header to wrk.headers.
    function init(args)
        for i = 0, count - 1 do
            requests[i + 1] = wrk.format(nil, nil, nil, read(stem .. "-" .. i .. ext))
        end
    end
    local turn = 0
    function request()
        turn = turn % count + 1
        return requests[turn]
    end
end
