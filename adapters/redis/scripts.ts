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
 * | P s:S:pend        | hash | call member → `{l, c}` (JSON): what a pending call adds to the session (labels, tools) if it is not blocked | session TTL |
 * | P a:A:n:C         | zset | one member per call, scored by time, per counter C (`*` = all calls, `f…` = a rate filter) | retention + 1 min |
 * | P a:A:res         | set  | `integration:value` resources touched             | resource TTL      |
 * | P a:A:rp:R        | set  | members of pending calls touching resource R      | resource TTL      |
 * | P a:A:spend:DAY   | hash | currency → micro-units, DAY = UTC day number      | 2 days            |
 * | P t:OWNER:ID      | zset | tally entries `member|value`, scored by time (runtime/tally.ts) | retention + 1 min, or session TTL |
 *
 * A call is *pending* from its `begin` (which records what it adds, when that is new to the session)
 * to its `finish` (which records it, or drops it when the call was blocked); `begin` returns the
 * other pending calls of the session and of the resource, so that the enforcer decides around them.
 *
 * The spend key is built inside the scripts (its day comes from the clamped time), so the store
 * targets a single Redis (or a primary with replicas), not Redis Cluster.
 */

const FMT = `local function fmt(n) return string.format('%.0f', n) end
`;

/** Clamps the time, pins the revision, reads labels / called / counts / resource / spend / pending calls, records the call (pending). */
export const BEGIN = FMT + `
-- KEYS: 1 session hash, 2 labels, 3 called, 4 ids, 5 resources, 6 pending calls, 7 pending calls of the resource
-- ARGV: 1 ts, 2 revision, 3 retain ms, 4 member ('' = no call), 5 has id, 6 call id, 7 call key,
--       8 resource ('' = none), 9 session ttl, 10 agent, 11 spend key prefix, 12 counter key prefix,
--       13 number of counters to record in, then their names, then the number of counts, then
--       (counter, window ms) pairs, then the tallies (below); the last: what the call adds,
--       {"l": labels, "c": tools, "t": resource ttl ms} as JSON, or ''
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
-- Other calls still pending (read before this one is recorded), then this call's entry: what it
-- adds that the session does not have yet (nothing new: no entry, nothing to settle).
local pend = redis.call('HGETALL', KEYS[6])
local rpend = {}
if ARGV[8] ~= '' then rpend = redis.call('SMEMBERS', KEYS[7]) end
local pid = ''
local spec = ARGV[#ARGV]
if ARGV[4] ~= '' and spec ~= '' then
  local a = cjson.decode(spec)
  local nl, nc = {}, {}
  for _, l in ipairs(a.l) do if redis.call('SISMEMBER', KEYS[2], l) == 0 then nl[#nl + 1] = l end end
  for _, c in ipairs(a.c) do if redis.call('SISMEMBER', KEYS[3], c) == 0 then nc[#nc + 1] = c end end
  local res = ARGV[8] ~= '' and seen == 0
  if #nl > 0 or #nc > 0 or res then
    pid = ARGV[4]
    redis.call('HSET', KEYS[6], pid, cjson.encode({l = nl, c = nc}))
    if res then
      redis.call('SADD', KEYS[7], pid)
      redis.call('PEXPIRE', KEYS[7], a.t)
    end
  end
end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[9]) end
redis.call('PEXPIRE', KEYS[6], ARGV[9])
return {fmt(ts), last or '', rev, labels, called, counts, seen, spend, tallies, pend, rpend, pid}
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

/**
 * Settles a decision: records what it let through (labels, tools, resource) or marks the call id
 * blocked, drops the call's pending entry, and gives a blocked call's tally entries back.
 */
export const FINISH = FMT + `
-- KEYS: 1 labels, 2 called, 3 ids, 4 resources, 5 pending calls, 6 pending calls of the resource,
--       7.. tallies to refund
-- ARGV: 1 session ttl, 2 resource ttl, 3 resource ('' = none), 4 blocked id flag, 5 blocked id,
--       6 pending member to settle ('' = none), 7 refund ts ('' = none), 8 refund member,
--       9 number of labels, 10.. labels then tool keys
local n = tonumber(ARGV[9])
for i = 1, n do redis.call('SADD', KEYS[1], ARGV[9 + i]) end
for i = 10 + n, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
end
if ARGV[4] == '1' then redis.call('HSET', KEYS[3], ARGV[5], '!') end
if ARGV[6] ~= '' then
  redis.call('HDEL', KEYS[5], ARGV[6])
  redis.call('SREM', KEYS[6], ARGV[6])
end
if ARGV[7] ~= '' then
  local t = fmt(tonumber(ARGV[7]))
  for i = 7, #KEYS do
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i], t, t)) do
      if string.sub(m, 1, #ARGV[8] + 1) == ARGV[8] .. '|' then redis.call('ZREM', KEYS[i], m) end
    end
  end
end
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
