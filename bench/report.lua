-- Shared by the wrk scripts: one machine-readable RESULT line that bench/run parses.
function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors_status=%d errors_connect=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
