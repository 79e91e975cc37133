-- wrk script: POST /v1/sessions with a unique user per request; writes each minted pass to a file so the
-- redeem benchmark can use every pass exactly once. Set TOKEN and PASS_FILE in the environment.
local token = os.getenv("TOKEN")
local pass_file = os.getenv("PASS_FILE")
local counter = 0
thread_id = 0  -- a global: wrk's thread:set() sets globals, which a local would shadow
local out = nil

function setup(thread)
    thread:set("thread_id", thread_id)
    thread_id = thread_id + 1
end

function init(args)
    if pass_file then out = io.open(pass_file .. "." .. thread_id, "w") end
end

function request()
    counter = counter + 1
    local body = string.format(
        '{"scenario":"fido2Registration","userPrincipalName":"b%d-%d-%d@bench.example","pass":{"maxUses":1}}',
        thread_id, counter, math.random(1, 1000000000))
    return wrk.format("POST", "/v1/sessions", {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
    }, body)
end

function response(status, headers, body)
    if status == 201 and out then
        local user = body:match('"userPrincipalName":"([^"]+)"')
        local pass = body:match('"temporaryAccessPass":"([^"]+)"')
        if user and pass then out:write(user, " ", pass, "\n") end
    end
end

dofile("bench/report.lua")
