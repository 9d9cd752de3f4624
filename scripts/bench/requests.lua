-- wrk script: cycles through prepared requests (one per line: METHOD \t PATH \t BEARER TOKEN \t CLIENT IP \t FRESH KEY
-- \t JSON BODY), each thread from its own offset, and prints the run's figures as one JSON line at the end. A line
-- with FRESH KEY "1" gets an Idempotency-Key of its own on every request (args[2] and the thread keep keys unique).
local requests = {}
local counter = 0
local threads = 0
local prefix = ""

function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

function init(args)
  prefix = args[2] .. "-" .. tostring(thread_no or 0) .. "-"
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, token, ip, fresh, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if ip ~= "" then headers["X-Forwarded-For"] = ip end
    body = body ~= "" and body or nil
    if fresh == "1" then
      requests[#requests + 1] = { method = method, path = path, headers = headers, body = body }
    else
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  file:close()
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  local r = requests[counter]
  if type(r) == "string" then return r end
  r.headers["Idempotency-Key"] = prefix .. counter .. "-" .. math.random(1000000000)
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
