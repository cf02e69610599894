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
 * | P t:OWNER:ID      | zset | tally entries `member|value`, scored by time (runtime/tally.ts) | retention + 1 min, or session TTL |
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
-- Tallies (runtime/tally.ts): read, then record the call; after the counts:
--   number of reads, then (key, mode, sum) triples, mode 'w<ms>' sliding, 'f<ms>' from, 'a' all;
--   number of records, then (key, value, retain ms or -1 for the session's lifetime) triples
local p = 15 + nrec + 2 * ncount
local tallies = {}
local nread = tonumber(ARGV[p] or '0')
for i = 1, nread do
  local q = p + 3 * i - 2
  local k = ARGV[q]
  local mode = ARGV[q + 1]
  local lo = '-inf'
  if string.sub(mode, 1, 1) == 'w' then lo = '(' .. fmt(ts - tonumber(string.sub(mode, 2)))
  elseif string.sub(mode, 1, 1) == 'f' then lo = fmt(tonumber(string.sub(mode, 2))) end
  if ARGV[q + 2] == '1' then
    local total = 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', k, lo, fmt(ts))) do total = total + tonumber(string.match(m, '|(%d+)$')) end
    tallies[i] = fmt(total)
  else
    tallies[i] = tostring(redis.call('ZCOUNT', k, lo, fmt(ts)))
  end
end
if ARGV[4] ~= '' then
  local r = p + 3 * nread + 1
  local nt = tonumber(ARGV[r] or '0')
  for i = 1, nt do
    local q = r + 3 * i - 2
    local k = ARGV[q]
    local retain = tonumber(ARGV[q + 2])
    if retain >= 0 then
      redis.call('ZREMRANGEBYSCORE', k, '-inf', fmt(ts - retain))
      redis.call('ZADD', k, fmt(ts), ARGV[4] .. '|' .. ARGV[q + 1])
      redis.call('PEXPIRE', k, retain + 60000)
    else
      redis.call('ZADD', k, fmt(ts), ARGV[4] .. '|' .. ARGV[q + 1])
      redis.call('PEXPIRE', k, ARGV[9])
    end
  end
end
local seen = 0
if ARGV[8] ~= '' then seen = redis.call('SISMEMBER', KEYS[5], ARGV[8]) end
local spend = redis.call('HGETALL', ARGV[11] .. fmt(math.floor(ts / 86400000)))
local labels = redis.call('SMEMBERS', KEYS[2])
local called = redis.call('SMEMBERS', KEYS[3])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[9]) end
return {fmt(ts), last or '', rev, labels, called, counts, seen, spend, tallies}
`;

/** Removes a blocked call's entries (member at ts) from the tallies that count only calls not blocked. */
export const REFUND = FMT + `
-- KEYS: the tallies; ARGV: 1 ts, 2 member
for _, k in ipairs(KEYS) do
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', k, fmt(tonumber(ARGV[1])), fmt(tonumber(ARGV[1])))) do
    if string.sub(m, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then redis.call('ZREM', k, m) end
  end
end
return 1
`;

/** A message's session changes (runtime/session-changes.ts): labels taken out, then labels added. */
export const MARK = `
-- KEYS: 1 labels; ARGV: 1 session ttl, 2 number of labels to remove, then those, then the labels to add
local n = tonumber(ARGV[2])
for i = 1, n do redis.call('SREM', KEYS[1], ARGV[2 + i]) end
for i = 3 + n, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
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
--       7 agent ('' = the session's), 8 agent key prefix, 9 session ttl, 10 number of content labels,
--       then the content labels (always recorded), then the fallback labels
local ts = tonumber(ARGV[1])
local last = redis.call('HGET', KEYS[1], 'last')
if last and ts < tonumber(last) then ts = tonumber(last) end
redis.call('HSET', KEYS[1], 'last', fmt(ts))
local status = 'none'
if ARGV[2] == '1' then
  local info = redis.call('HGET', KEYS[4], ARGV[3])
  if not info then status = 'unknown' elseif info == '!' then status = 'blocked' else status = 'known' end
end
local ncontent = tonumber(ARGV[10])
for i = 11, 10 + ncontent do redis.call('SADD', KEYS[2], ARGV[i]) end
if (status == 'unknown' or status == 'none') and ARGV[4] ~= '' then
  for i = 11 + ncontent, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
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
