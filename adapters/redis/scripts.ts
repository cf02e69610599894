/**
 * The Lua scripts of the Redis store. Each store step is one script, so each is atomic and one
 * round-trip. Keys (P = prefix, S = session, A = agent, each `tenant:id`, URI-encoded):
 *
 * | key               | type | holds                                             | TTL               |
 * |-------------------|------|---------------------------------------------------|-------------------|
 * | P s:S             | hash | `last` (ms), `rev` (pinned revision), `agent`     | session TTL       |
 * | P s:S:labels      | set  | labels of calls that were not blocked             | session TTL       |
 * | P s:S:called      | set  | `integration.tool` of calls that were not blocked | session TTL       |
 * | P s:S:ids         | hash | call id → tool key, or `!` when blocked           | session TTL       |
 * | P a:A:n:C         | zset | one member per call, scored by time, per counter C (`*` = all calls, `f…` = a rate filter) | retention + 1 min |
 * | P a:A:res         | set  | `integration:value` resources touched             | resource TTL      |
 * | P a:A:spend:DAY   | hash | currency → micro-units, DAY = UTC day number      | 2 days            |
 *
 * The spend key is built inside the scripts (its day comes from the clamped time), so the store
 * targets a single Redis (or a primary with replicas), not Redis Cluster.
 */

const FMT = `local function fmt(n) return string.format('%.0f', n) end
`;

/** Clamps the time, pins the revision, reads labels / called / counts / resource / spend, records the call. */
export const BEGIN = FMT + `
-- KEYS: 1 session hash, 2 labels, 3 called, 4 ids, 5 resources
-- ARGV: 1 ts, 2 revision, 3 retain ms, 4 member ('' = no call), 5 has id, 6 call id, 7 call key,
--       8 resource ('' = none), 9 session ttl, 10 agent, 11 spend key prefix, 12 counter key prefix,
--       13 number of counters to record in, then their names, then the number of counts, then
--       (counter, window ms) pairs
local ts = tonumber(ARGV[1])
local last = redis.call('HGET', KEYS[1], 'last')
if last and ts < tonumber(last) then ts = tonumber(last) end
redis.call('HSET', KEYS[1], 'last', fmt(ts))
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then rev = ARGV[2]; redis.call('HSET', KEYS[1], 'rev', rev) end
redis.call('HSETNX', KEYS[1], 'agent', ARGV[10])
local nrec = tonumber(ARGV[13])
local ncount = tonumber(ARGV[14 + nrec])
local counts = {}
for i = 1, ncount do
  local c = ARGV[13 + nrec + 2 * i]
  local w = tonumber(ARGV[14 + nrec + 2 * i])
  counts[i] = redis.call('ZCOUNT', ARGV[12] .. c, '(' .. fmt(ts - w), fmt(ts))
end
if ARGV[4] ~= '' then
  local retain = tonumber(ARGV[3])
  for i = 1, nrec do
    local k = ARGV[12] .. ARGV[13 + i]
    redis.call('ZREMRANGEBYSCORE', k, '-inf', fmt(ts - retain))
    redis.call('ZADD', k, fmt(ts), ARGV[4])
    redis.call('PEXPIRE', k, retain + 60000)
  end
  if ARGV[5] == '1' then redis.call('HSET', KEYS[4], ARGV[6], ARGV[7]) end
end
local seen = 0
if ARGV[8] ~= '' then seen = redis.call('SISMEMBER', KEYS[5], ARGV[8]) end
local spend = redis.call('HGETALL', ARGV[11] .. fmt(math.floor(ts / 86400000)))
local labels = redis.call('SMEMBERS', KEYS[2])
local called = redis.call('SMEMBERS', KEYS[3])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[9]) end
return {fmt(ts), last or '', rev, labels, called, counts, seen, spend}
`;

/** Records what a decision let through (labels, tools, resource) or marks the call id blocked. */
export const FINISH = `
-- KEYS: 1 labels, 2 called, 3 ids, 4 resources
-- ARGV: 1 session ttl, 2 resource ttl, 3 resource ('' = none), 4 blocked id flag, 5 blocked id,
--       6 number of labels, 7.. labels then tool keys
local n = tonumber(ARGV[6])
for i = 1, n do redis.call('SADD', KEYS[1], ARGV[6 + i]) end
for i = 7 + n, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
end
if ARGV[4] == '1' then redis.call('HSET', KEYS[3], ARGV[5], '!') end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 1
`;

/** A response: clamps its time, finds its call id, records fallback labels and the cost. */
export const RESPOND = FMT + `
-- KEYS: 1 session hash, 2 labels, 3 called, 4 ids
-- ARGV: 1 ts, 2 has id, 3 call id, 4 fallback key ('' = none), 5 currency ('' = none), 6 micros,
--       7 agent ('' = the session's), 8 agent key prefix, 9 session ttl, 10.. fallback labels
local ts = tonumber(ARGV[1])
local last = redis.call('HGET', KEYS[1], 'last')
if last and ts < tonumber(last) then ts = tonumber(last) end
redis.call('HSET', KEYS[1], 'last', fmt(ts))
local status = 'none'
if ARGV[2] == '1' then
  local info = redis.call('HGET', KEYS[4], ARGV[3])
  if not info then status = 'unknown' elseif info == '!' then status = 'blocked' else status = 'known' end
end
if (status == 'unknown' or status == 'none') and ARGV[4] ~= '' then
  for i = 10, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
  redis.call('SADD', KEYS[3], ARGV[4])
end
if ARGV[5] ~= '' then
  local agent = ARGV[7]
  if agent == '' then agent = redis.call('HGET', KEYS[1], 'agent') end
  if agent then
    local k = ARGV[8] .. agent .. ':spend:' .. fmt(math.floor(ts / 86400000))
    redis.call('HINCRBY', k, ARGV[5], ARGV[6])
    redis.call('PEXPIRE', k, 172800000)
  end
end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[9]) end
return {fmt(ts), status}
`;
