-- wrk script: POST /v1/redeem, each pass from PASS_FILE used once (thread N takes every Nth line).
local passes = {}
local index = 0
thread_id = 0  -- a global: wrk's thread:set() sets globals, which a local would shadow
local threads = tonumber(os.getenv("THREADS") or "2")

function setup(thread)
    thread:set("thread_id", thread_id)
    thread_id = thread_id + 1
end

function init(args)
    local line_number = 0
    for line in io.lines(os.getenv("PASS_FILE")) do
        if line_number % threads == thread_id then
            local user, pass = line:match("(%S+) (%S+)")
            table.insert(passes, string.format('{"userPrincipalName":"%s","temporaryAccessPass":"%s"}', user, pass))
        end
        line_number = line_number + 1
    end
end

function request()
    index = index + 1
    local body = passes[((index - 1) % #passes) + 1]
    return wrk.format("POST", "/v1/redeem", {["Content-Type"] = "application/json"}, body)
end

dofile("bench/report.lua")
