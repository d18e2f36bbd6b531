/**
 * The continuous-refill token bucket of `token-bucket-math.ts`, as one atomic Redis Lua script.
 * Time comes from Redis (`TIME`), not from the callers' clocks, so every edge isolate agrees.
 * The timestamp is kept in integer microseconds and tokens with 17 significant digits, so the
 * stored state round-trips exactly. The key expires once the bucket would be full again.
 *
 * KEYS[1] bucket hash; ARGV: capacity, refillPerSecond, cost, ttlSeconds.
 * Returns {allowed (0/1), remaining, resetSeconds, retryAfterSeconds} (integers).
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts_us')
local tokens = capacity
if state[1] and state[2] then
  local elapsed = math.max(0, now_us - tonumber(state[2])) / 1000000
  tokens = math.min(capacity, tonumber(state[1]) + elapsed * rate)
end
local allowed = 0
if tokens >= cost then
  allowed = 1
  tokens = tokens - cost
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts_us', string.format('%.0f', now_us))
redis.call('EXPIRE', KEYS[1], ttl)
local remaining = math.max(0, math.floor(tokens))
local reset = math.max(0, math.ceil((capacity - tokens) / rate))
local retry = 0
if allowed == 0 then retry = math.max(1, math.ceil((cost - tokens) / rate)) end
return {allowed, remaining, reset, retry}
`;
