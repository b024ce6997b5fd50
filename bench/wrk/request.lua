-- The one request every connection sends, from the environment bench/wrk.ts sets (wrk 4 has no JSON reader):
--   WRK_METHOD, WRK_PATH, WRK_BODY, WRK_HEADERS ("Name: value" lines), and WRK_DELAY_MS to pace the load.
-- Only wrk.method/path/headers/body are set, so wrk formats the request once (no request() callback per request),
-- and there is no response() callback: parsing every answer in Lua would cost the load generator more than some of
-- the servers it measures. done() prints one line, WRK_RESULT {json}, that bench/wrk.ts parses.

wrk.method = os.getenv("WRK_METHOD") or "GET"
wrk.path = os.getenv("WRK_PATH") or "/"
wrk.body = os.getenv("WRK_BODY")
for line in (os.getenv("WRK_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

-- wrk 4 waits delay() milliseconds after an answer before the connection's next request, and truncates the value
-- to whole milliseconds: a fractional pace is kept on average by rounding up with the probability of the fraction.
local pace = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pace then
  local whole = math.floor(pace)
  local fraction = pace - whole
  function delay()
    if math.random() < fraction then return whole + 1 end
    return whole
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"durationUs":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"statusErrors":%d,' ..
    '"latencyUs":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
