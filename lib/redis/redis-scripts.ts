import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA (falling back to EVAL once per server on NOSCRIPT). */
export interface RedisScript {
  /** Short name, for error messages. */
  readonly name: string;
  /** The Lua source. */
  readonly source: string;
  /** SHA-1 of the source, as EVALSHA wants it. */
  readonly sha: string;
}

/** A {@link RedisScript} of `source` exactly as given (without this file's Lua helpers). */
export function redisScript(name: string, source: string): RedisScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

function script(name: string, body: string): RedisScript {
  return redisScript(name, `${HELPERS}\n${body}`);
}

// Session tuple positions (1-based, see SessionTuple in redis-keys.ts):
// 1 epoch, 2 createdAt, 3 lastActiveAt, 4 expiresAt, 5 accessHash, 6 refreshHash,
// 7 previousRefreshHash, 8 rotatedAt, 9 successor, 10 userAgent, 11 ip.
// Keys of other slots (pointers, registry) are only touched when `inline` is '1', which the
// store passes on a standalone server only; in a cluster it returns them to the caller.
const HELPERS = `
local null = cjson.null
local function int(n) return string.format('%.0f', n) end
local function extend(key, at)
  local cur = redis.call('PEXPIRETIME', key)
  if cur == -1 or (cur >= 0 and cur < at) then redis.call('PEXPIREAT', key, int(at)) end
end
local function drop(out, prefix, base, sid, t, index, inline)
  local skey = base .. ':s:' .. sid
  local keys = {prefix .. ':i:' .. sid, prefix .. ':r:' .. t[6]}
  if t[5] ~= null then keys[#keys + 1] = prefix .. ':a:' .. t[5] end
  if t[7] ~= null then keys[#keys + 1] = prefix .. ':r:' .. t[7] end
  for _, h in ipairs(redis.call('SMEMBERS', skey .. ':r')) do keys[#keys + 1] = prefix .. ':r:' .. h end
  redis.call('DEL', skey, skey .. ':r')
  redis.call('ZREM', index, sid)
  for _, k in ipairs(keys) do
    if inline then redis.call('DEL', k) else out[#out + 1] = k end
  end
end
local function lookup(skey, jkey, kind, hash)
  local v = redis.call('GET', skey)
  if not v then return false end
  local j = redis.call('HMGET', jkey, 'p', 'e')
  if not j[2] then return false end
  local member = 0
  if kind == 'r' then member = redis.call('SISMEMBER', skey .. ':r', hash) end
  return {v, j[1] or '[]', j[2], member}
end
`;

/**
 * Reads a session with its subject in the user's slot. KEYS: session, subject.
 * ARGV: kind (`a`, `r` or `i`), packed hash. Returns `[session, permissions, epoch,
 * isSpentRefreshHash]` or nil; the caller checks that the hash still belongs to the session.
 */
export const LOOKUP = script('lookup', `return lookup(KEYS[1], KEYS[2], ARGV[1], ARGV[2])`);

/**
 * Standalone only: resolves a pointer and reads the session in one call. KEYS: pointer.
 * ARGV: kind, packed hash (or encoded session id for kind `i`), prefix. Returns LOOKUP's
 * answer followed by the encoded session id and user, or nil.
 */
export const LOOKUP_POINTER = script(
  'lookup-pointer',
  `
local owner = redis.call('GET', KEYS[1])
if not owner then return false end
local sid, user = ARGV[2], owner
if ARGV[1] ~= 'i' then
  local sp = string.find(owner, ' ', 1, true)
  if not sp then return false end
  sid, user = string.sub(owner, 1, sp - 1), string.sub(owner, sp + 1)
end
local base = ARGV[3] .. ':{u:' .. user .. '}'
local found = lookup(base .. ':s:' .. sid, base .. ':j', ARGV[1], ARGV[2])
if not found then return false end
found[5], found[6] = sid, user
return found`,
);

/**
 * Creates a session stamped with the user's epoch, sets the permissions, indexes it and
 * evicts beyond maxSessions. KEYS: session, subject, index. ARGV: tail (session JSON after
 * `[epoch,`), permissions JSON, key end (expiresAt, floored), sid, createdAt, maxSessions
 * ('' = none), now, user base, prefix, inline, owner (`sid user`), packed access hash
 * ('' = none), packed refresh hash, encoded user, expiresAt.
 * Returns `[epoch, evictedCount, ...evictedSids, ...pointersToDelete]`.
 */
export const CREATE = script(
  'create',
  `
local inline = ARGV[10] == '1'
local epoch = redis.call('HGET', KEYS[2], 'e') or '0'
if inline then
  local owner, at = ARGV[11], ARGV[3]
  if ARGV[12] ~= '' then redis.call('SET', ARGV[9] .. ':a:' .. ARGV[12], owner, 'PXAT', at) end
  redis.call('SET', ARGV[9] .. ':r:' .. ARGV[13], owner, 'PXAT', at)
  redis.call('SET', ARGV[9] .. ':i:' .. ARGV[4], ARGV[14], 'PXAT', at)
end
redis.call('HSET', KEYS[2], 'p', ARGV[2], 'e', epoch)
redis.call('SET', KEYS[1], '[' .. epoch .. ',' .. ARGV[1], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
local ends = tonumber(ARGV[3])
extend(KEYS[2], ends)
extend(KEYS[3], ends)
if inline then
  local registry = ARGV[9] .. ':users'
  redis.call('ZADD', registry, 'LT', ARGV[15], ARGV[14])
  extend(registry, ends)
end
local result, out = {epoch, 0}, {}
if ARGV[6] == '' then return result end
local max, now, e = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(epoch)
local live = {}
for _, sid in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if sid ~= ARGV[4] then
    local v = redis.call('GET', ARGV[8] .. ':s:' .. sid)
    if not v then
      redis.call('ZREM', KEYS[3], sid)
    else
      local t = cjson.decode(v)
      if t[4] > now and t[1] >= e then live[#live + 1] = {sid, t} end
    end
  end
end
for i = 1, #live + 1 - max do
  result[#result + 1] = live[i][1]
  drop(out, ARGV[9], ARGV[8], live[i][1], live[i][2], KEYS[3], inline)
end
result[2] = #result - 2
for _, k in ipairs(out) do result[#result + 1] = k end
return result`,
);

/**
 * Compare-and-swap rotation. KEYS: session. ARGV: expected packed refresh hash, new packed
 * access hash ('' = none), new packed refresh hash, successor, rotatedAt, inline, prefix,
 * owner, earliest key end. Returns nil if it lost, else the old packed access hash
 * ('' = none); inline, it also writes the new pointers and deletes the old access pointer.
 */
export const ROTATE = script(
  'rotate',
  `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local t = cjson.decode(v)
if t[6] ~= ARGV[1] then return false end
local at = int(math.max(t[4], tonumber(ARGV[9])))
if t[7] ~= null then
  redis.call('SADD', KEYS[1] .. ':r', t[7])
  redis.call('PEXPIREAT', KEYS[1] .. ':r', at)
end
local old = t[5]
if ARGV[2] == '' then t[5] = null else t[5] = ARGV[2] end
t[7], t[6], t[8], t[9] = t[6], ARGV[3], tonumber(ARGV[5]), ARGV[4]
if t[3] < t[8] then t[3] = t[8] end
redis.call('SET', KEYS[1], cjson.encode(t), 'KEEPTTL')
if ARGV[6] == '1' then
  if ARGV[2] ~= '' then redis.call('SET', ARGV[7] .. ':a:' .. ARGV[2], ARGV[8], 'PXAT', at) end
  redis.call('SET', ARGV[7] .. ':r:' .. ARGV[3], ARGV[8], 'PXAT', at)
  if old ~= null then redis.call('DEL', ARGV[7] .. ':a:' .. old) end
  return ''
end
if old == null then return '' end
return old`,
);

/** Moves lastActiveAt forward. KEYS: session. ARGV: lastActiveAt. */
export const TOUCH = script(
  'touch',
  `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local t = cjson.decode(v)
local at = tonumber(ARGV[1])
if t[3] >= at then return 0 end
t[3] = at
redis.call('SET', KEYS[1], cjson.encode(t), 'KEEPTTL')
return 1`,
);

/**
 * Deletes a session. KEYS: session, index. ARGV: sid, prefix, user base, inline.
 * Returns nil if there was none, else the pointers left to delete.
 */
export const DELETE = script(
  'delete',
  `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
local out = {}
drop(out, ARGV[2], ARGV[3], ARGV[1], cjson.decode(v), KEYS[2], ARGV[4] == '1')
return out`,
);

/**
 * Bumps the user's epoch; moves the kept session (if live at the old epoch) to the new one.
 * KEYS: subject, index, [kept session]. ARGV: epochRetention ms, inline, registry, user.
 * Returns nil for an unknown user, else `[epoch, sessionCount]`.
 */
export const REVOKE_ALL = script(
  'revoke-all',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local e = redis.call('HINCRBY', KEYS[1], 'e', 1)
if KEYS[3] then
  local v = redis.call('GET', KEYS[3])
  if v then
    local t = cjson.decode(v)
    if t[1] == e - 1 then
      t[1] = e
      redis.call('SET', KEYS[3], cjson.encode(t), 'KEEPTTL')
    end
  end
end
local now = redis.call('TIME')
extend(KEYS[1], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[1]))
local count = redis.call('ZCARD', KEYS[2])
if ARGV[2] == '1' and count > 0 then redis.call('ZADD', ARGV[3], 'LT', 0, ARGV[4]) end
return {e, count}`,
);

/**
 * Every session of the user with the subject. KEYS: subject, index. ARGV: user base.
 * Returns `[permissions, epoch, sid1, session1, sid2, session2, ...]`.
 */
export const LIST = script(
  'list',
  `
local j = redis.call('HMGET', KEYS[1], 'p', 'e')
local out = {j[1], j[2]}
for _, sid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local v = redis.call('GET', ARGV[1] .. ':s:' .. sid)
  if v then
    out[#out + 1] = sid
    out[#out + 1] = v
  else
    redis.call('ZREM', KEYS[2], sid)
  end
end
return out`,
);

/** Sets the permissions of a known user. KEYS: subject. ARGV: permissions JSON. */
export const SET_PERMISSIONS = script(
  'set-permissions',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'p', ARGV[1])
return 1`,
);

/**
 * Sweeps one batch of a user's index. KEYS: subject, index. ARGV: user base, now, start,
 * count, prefix, inline, clear ('1' deletes every session). Deletes sessions past their end
 * or below the epoch. Returns `[deleted, nextDue (-1 = none), nextStart (-1 = done),
 * ...pointersToDelete]`.
 */
export const SWEEP = script(
  'sweep',
  `
local e = tonumber(redis.call('HGET', KEYS[1], 'e') or '-1')
local now, start, count = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local clear, inline = ARGV[7] == '1', ARGV[6] == '1'
local sids = redis.call('ZRANGE', KEYS[2], start, start + count - 1)
local deleted, kept, due, out = 0, 0, -1, {}
for _, sid in ipairs(sids) do
  local v = redis.call('GET', ARGV[1] .. ':s:' .. sid)
  if not v then
    redis.call('ZREM', KEYS[2], sid)
  else
    local t = cjson.decode(v)
    if clear or e < 0 or t[4] <= now or t[1] < e then
      drop(out, ARGV[5], ARGV[1], sid, t, KEYS[2], inline)
      deleted = deleted + 1
    else
      kept = kept + 1
      if due < 0 or t[4] < due then due = t[4] end
    end
  end
end
local nextStart = -1
if #sids == count then nextStart = start + kept end
local result = {deleted, int(due), nextStart}
for _, k in ipairs(out) do result[#result + 1] = k end
return result`,
);

/** Schedules a user for sweeping. KEYS: registry. ARGV: due time, user, latest session end. */
export const REGISTER = script(
  'register',
  `
redis.call('ZADD', KEYS[1], 'LT', ARGV[1], ARGV[2])
extend(KEYS[1], tonumber(ARGV[3]))
return 1`,
);

/**
 * Records a revocation notice. KEYS: by-at, by-expiry. ARGV: notice JSON, at, expiresAt,
 * channel ('' = do not publish), key end (expiresAt, floored).
 */
export const PUBLISH_NOTICE = script(
  'publish-notice',
  `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
extend(KEYS[1], tonumber(ARGV[5]))
extend(KEYS[2], tonumber(ARGV[5]))
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[1]) end
return 1`,
);

/** Forgets up to 500 notices expired at ARGV[1]. KEYS: by-at, by-expiry. Returns how many. */
export const PRUNE_NOTICES = script(
  'prune-notices',
  `
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, m in ipairs(gone) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZREM', KEYS[2], m)
end
return #gone`,
);
