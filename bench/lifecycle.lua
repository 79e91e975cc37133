-- wrk script: whole device enrollments, each create -> redeem -> device check-in. Responses feed a queue of
-- next steps, so every connection always has a step to send; a new create starts when the queue is empty.
-- Set TOKEN. Prints the RESULT line (all requests) and LIFECYCLES=<check-ins that completed a session>.
local token = os.getenv("TOKEN")
thread_id = 0  -- a global: wrk's thread:set() sets globals, which a local would shadow
local counter = 0
local queue = {}
completed = 0
local threads = {}

function setup(thread)
    thread:set("thread_id", thread_id)
    thread_id = thread_id + 1
    table.insert(threads, thread)
end

function request()
    local step = table.remove(queue, 1)
    if step then return step end
    counter = counter + 1
    local serial = string.format("LC%d-%d-%d", thread_id, counter, math.random(1, 1000000000))
    local body = string.format(
        '{"scenario":"deviceEnrollment","userPrincipalName":"%s@bench.example","device":{"serialNumber":"%s","platform":"windows"},"pass":{"maxUses":1}}',
        string.lower(serial), serial)
    return wrk.format("POST", "/v1/sessions", {
        ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
    }, body)
end

function response(status, headers, body)
    local pass = body:match('"temporaryAccessPass":"([^"]+)"')
    local session_token = body:match('"sessionToken":"([^"]+)"')
    if status == 201 and pass then
        local user = body:match('"userPrincipalName":"([^"]+)"')
        table.insert(queue, wrk.format("POST", "/v1/redeem", {["Content-Type"] = "application/json"},
            string.format('{"userPrincipalName":"%s","temporaryAccessPass":"%s"}', user, pass)))
    elseif status == 200 and session_token then
        local serial = body:match('"serialNumber":"([^"]+)"')
        table.insert(queue, wrk.format("POST", "/v1/enrollment/device", {
            ["Authorization"] = "Bearer " .. session_token, ["Content-Type"] = "application/json",
        }, string.format('{"serialNumber":"%s"}', serial)))
    elseif status == 200 and body:match('"state":"completed"') then
        completed = completed + 1
    end
end

dofile("bench/report.lua")
local report_done = done

function done(summary, latency, requests)
    report_done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do total = total + thread:get("completed") end
    io.write(string.format("LIFECYCLES=%d\n", total))
end
