/**
 * The Lua scripts. Each runs atomically on the server, so every change of production (a
 * publish, a record write, a version switch) is one script, and every script is bounded: the
 * loops run over at most one chunk of rows, except the small-run publish, which is bounded by
 * `maxScriptRows`. Staging rows is not a script: rows go out as plain commands in transactions
 * that {@link STAGE_GUARD} protects. `KEYS[1]` is always the store's `current` key, which
 * routes the call on Redis Cluster; the other keys share its hash tag and are built from
 * `ARGV[1]` (the tag).
 */

/** Helpers every script starts with. */
const PRELUDE = `
local base = ARGV[1]
local function key(name) return base .. ':' .. name end
local function vkey(version, name) return base .. ':v' .. version .. ':' .. name end
local function rowkey(version, member) return base .. ':v' .. version .. ':row:' .. member end
local EMPTY_ROW_FIELD = '\\0'
local function chunked(command, target, items, step)
  local count = 0
  local i = 1
  while i <= #items do
    local j = math.min(i + step - 1, #items)
    count = count + redis.call(command, target, unpack(items, i, j))
    i = j + 1
  end
  return count
end
local function unlink_all(keys)
  local i = 1
  while i <= #keys do
    local j = math.min(i + 499, #keys)
    redis.call('UNLINK', unpack(keys, i, j))
    i = j + 1
  end
end
local function add_members(index, members)
  local args = {}
  local count = 0
  for i = 1, #members do
    args[#args + 1] = 0
    args[#args + 1] = members[i]
    if #args >= 1000 then count = count + redis.call('ZADD', index, unpack(args)); args = {} end
  end
  if #args > 0 then count = count + redis.call('ZADD', index, unpack(args)) end
  return count
end
local function allocate_version(run_id)
  while true do
    local version = tostring(redis.call('INCR', key('seq')))
    if redis.call('EXISTS', vkey(version, 'meta'), vkey(version, 'index'), vkey(version, 'deleted')) == 0 then
      redis.call('HSET', vkey(version, 'meta'), 'schema', '', 'schemaHash', '', 'run', run_id or '')
      return version
    end
  end
end
local function set_schema(version, schema, hash)
  redis.call('HSET', vkey(version, 'meta'), 'schema', schema, 'schemaHash', hash)
  if hash ~= '' then redis.call('HSET', key('schemas'), hash, schema) end
end
local function schema_hash(version)
  if not version then return '' end
  return redis.call('HGET', vkey(version, 'meta'), 'schemaHash') or ''
end
local function record_published(run_id, epoch)
  redis.call('ZADD', key('runs'), epoch, run_id)
  redis.call('ZREMRANGEBYRANK', key('runs'), 0, -1001)
end
local function touched(members, epoch)
  if redis.call('SCARD', key('copying')) == 0 then return end
  local args = {}
  for i = 1, #members do
    args[#args + 1] = epoch
    args[#args + 1] = members[i]
    if #args >= 1000 then redis.call('ZADD', key('changes'), unpack(args)); args = {} end
  end
  if #args > 0 then redis.call('ZADD', key('changes'), unpack(args)) end
end
local function write_fields(row, pairs)
  if #pairs > 0 then chunked('HSET', row, pairs, 1000) end
end
local function keep_row(row)
  if redis.call('EXISTS', row) == 0 then redis.call('HSET', row, EMPTY_ROW_FIELD, '') end
end
`;

/**
 * Registers a run's staging area (idempotent): every run stages its rows straight into a new
 * version that nothing reads yet, published by switching \`current\` to it or, for an
 * \`incremental\` or \`merge\` run into a non-empty production, by renaming its rows into the
 * current version (small runs) or copying production's rows into it (large runs). ARGV: tag, run
 * id, run type. Returns the entry: \`{"ordinal":…, "runType":…, "version":…}\`.
 */
export const BEGIN_RUN = `${PRELUDE}
local run_id = ARGV[2]
local existing = redis.call('HGET', key('staging'), run_id)
if existing then return existing end
local ordinal = redis.call('INCR', key('seq'))
local version = allocate_version(run_id)
local entry = cjson.encode({ ordinal = ordinal, runType = ARGV[3], version = version })
redis.call('HSET', key('staging'), run_id, entry)
return entry
`;

/**
 * The guard of a staging transaction. Rows are staged by plain commands in MULTI/EXEC, after
 * \`WATCH\` of the run's version metadata and of its guard key, then this script: when the run's
 * staging entry or its version is gone (a restarted or flushed server), it modifies the guard key,
 * so that EXEC writes nothing. A flush between this check and EXEC deletes the watched metadata,
 * with the same effect. Called with EVAL, not EVALSHA: a script missing from the server's cache
 * must not let the transaction through unchecked. KEYS[1]: routing. ARGV: tag, run id, version.
 * Returns 1 (staging is there) or 0.
 */
export const STAGE_GUARD = `
local base = ARGV[1]
if redis.call('HEXISTS', base .. ':staging', ARGV[2]) == 1 and redis.call('EXISTS', base .. ':v' .. ARGV[3] .. ':meta') == 1 then
  return 1
end
local guard = base .. ':stage:' .. ARGV[2] .. ':guard'
redis.call('SET', guard, '1')
redis.call('DEL', guard)
return 0
`;

/**
 * Publishes a small \`incremental\` or \`merge\` run in one step: renames every row the run staged
 * into its version over to the current version (replacing a row with the same identifier),
 * indexes it, and records the run id. ARGV: tag, run id, staged version, expected production
 * schema hash, new schema, its hash, staged identifier count. Returns \`{'ok', version}\`,
 * \`{'already'}\`, \`{'lost'}\` (no staging entry), \`{'stale'}\` (production's schema changed) or
 * \`{'missing', found}\`.
 */
export const PUBLISH_SMALL = `${PRELUDE}
local run_id = ARGV[2]
local staged = ARGV[3]
if redis.call('ZSCORE', key('runs'), run_id) then return { 'already' } end
if redis.call('HEXISTS', key('staging'), run_id) == 0 then return { 'lost' } end
local current = redis.call('GET', key('current'))
if schema_hash(current) ~= ARGV[4] then return { 'stale' } end
local stage_index = vkey(staged, 'index')
local count = redis.call('ZCARD', stage_index)
if count ~= tonumber(ARGV[7]) then return { 'missing', tostring(count) } end
local members = redis.call('ZRANGE', stage_index, 0, -1)
for i = 1, #members do
  if redis.call('EXISTS', rowkey(staged, members[i])) == 0 then return { 'missing', tostring(i - 1) } end
end
if not current then
  current = allocate_version()
  redis.call('SET', key('current'), current)
end
local epoch = redis.call('INCR', key('epoch'))
local has_deleted = redis.call('EXISTS', vkey(current, 'deleted')) == 1
for i = 1, #members do
  redis.call('RENAME', rowkey(staged, members[i]), rowkey(current, members[i]))
end
add_members(vkey(current, 'index'), members)
if has_deleted then chunked('ZREM', vkey(current, 'deleted'), members, 1000) end
touched(members, epoch)
set_schema(current, ARGV[5], ARGV[6])
redis.call('UNLINK', stage_index)
record_published(run_id, epoch)
return { 'ok', current }
`;

/**
 * Publishes a run by pointing \`current\` at the version it staged into and retiring the old
 * version: a \`full_drop\` always, an \`incremental\` or \`merge\` run only while production is
 * still empty. ARGV: tag, run id, version, schema, schema hash, staged identifier count,
 * production must be empty (1/0), expected production schema hash. Returns \`{'ok', version}\`,
 * \`{'already'}\`, \`{'lost'}\`, \`{'missing', found}\`, \`{'stale'}\` or \`{'occupied'}\`
 * (production is no longer empty).
 */
export const PUBLISH_VERSION = `${PRELUDE}
local run_id = ARGV[2]
local version = ARGV[3]
if redis.call('ZSCORE', key('runs'), run_id) then return { 'already' } end
if redis.call('HEXISTS', key('staging'), run_id) == 0 then return { 'lost' } end
if redis.call('EXISTS', vkey(version, 'meta')) == 0 then return { 'missing', '0' } end
local previous = redis.call('GET', key('current'))
if ARGV[7] == '1' then
  if previous and (redis.call('ZCARD', vkey(previous, 'index')) > 0 or redis.call('ZCARD', vkey(previous, 'deleted')) > 0) then
    return { 'occupied' }
  end
  if schema_hash(previous) ~= ARGV[8] then return { 'stale' } end
end
local count = redis.call('ZCARD', vkey(version, 'index'))
if count ~= tonumber(ARGV[6]) then return { 'missing', tostring(count) } end
set_schema(version, ARGV[4], ARGV[5])
redis.call('SET', key('current'), version)
if previous and previous ~= version then redis.call('SADD', key('retired'), previous) end
local epoch = redis.call('INCR', key('epoch'))
record_published(run_id, epoch)
return { 'ok', version }
`;

/**
 * Removes up to \`limit\` of the rows a large publish copied from production into the run's
 * version (see {@link COPY_ROWS}), so that a publish that starts over (production was replaced
 * meanwhile, or a crashed publish is resumed) copies from a clean start. ARGV: tag, run id, the
 * run's version, limit. Returns 'more' or 'done'.
 */
export const UNCOPY_ROWS = `${PRELUDE}
local copied = key('stage:' .. ARGV[2] .. ':copied')
local version = ARGV[3]
local limit = tonumber(ARGV[4])
local members = redis.call('SPOP', copied, limit)
if #members > 0 then
  local rows = {}
  for i = 1, #members do rows[i] = rowkey(version, members[i]) end
  unlink_all(rows)
  chunked('ZREM', vkey(version, 'index'), members, 1000)
  chunked('ZREM', vkey(version, 'deleted'), members, 1000)
end
if #members < limit then return 'done' end
return 'more'
`;

/**
 * Starts a large publish: checks that the run's version still holds every identifier staged
 * and registers the run as copying, so that every change of production from now on is logged in
 * \`changes\`. ARGV: tag, run id, the run's version, staged identifier count. Returns
 * \`{'ok', current or '', epoch, schema, schema hash}\`, \`{'already'}\`, \`{'lost'}\` or
 * \`{'missing', found}\`.
 */
export const COPY_START = `${PRELUDE}
local run_id = ARGV[2]
if redis.call('ZSCORE', key('runs'), run_id) then return { 'already' } end
if redis.call('HEXISTS', key('staging'), run_id) == 0 then return { 'lost' } end
local count = redis.call('ZCARD', vkey(ARGV[3], 'index'))
if count ~= tonumber(ARGV[4]) then return { 'missing', tostring(count) } end
local current = redis.call('GET', key('current'))
redis.call('SADD', key('copying'), run_id)
local epoch = redis.call('GET', key('epoch')) or '0'
local schema = ''
if current then schema = redis.call('HGET', vkey(current, 'meta'), 'schema') or '' end
return { 'ok', current or '', epoch, schema, schema_hash(current) }
`;

/**
 * Copies up to \`limit\` rows of production's index (or deleted index), from just after
 * \`cursor\`, into the run's version, never over a row the run staged (the run's rows win), and
 * notes each copied identifier in the run's \`copied\` set. ARGV: tag, production's version, the
 * run's version, 'index' or 'deleted', cursor ('' from the start), limit, run id. Returns
 * \`{last identifier, 'more' or 'done'}\`.
 */
export const COPY_ROWS = `${PRELUDE}
local source = ARGV[2]
local target = ARGV[3]
local limit = tonumber(ARGV[6])
local index = vkey(source, ARGV[4])
local members
if ARGV[5] == '' then
  members = redis.call('ZRANGE', index, '-', '+', 'BYLEX', 'LIMIT', 0, limit)
else
  members = redis.call('ZRANGE', index, '(' .. ARGV[5], '+', 'BYLEX', 'LIMIT', 0, limit)
end
local copied = {}
for i = 1, #members do
  if redis.call('COPY', rowkey(source, members[i]), rowkey(target, members[i])) == 1 then
    copied[#copied + 1] = members[i]
  end
end
add_members(vkey(target, ARGV[4]), copied)
if #copied > 0 then chunked('SADD', key('stage:' .. ARGV[7] .. ':copied'), copied, 1000) end
local last = members[#members] or ''
if #members < limit then return { last, 'done' } end
return { last, 'more' }
`;

/**
 * Brings one changed row of the version a large publish builds up to date (see
 * {@link COPY_SWITCH}): a row the run staged stays (it replaces production's); any other row
 * becomes production's again, or goes away with it.
 */
const APPLY_CHANGE = `
local function apply_change(source, target, copied, member)
  if redis.call('ZSCORE', vkey(target, 'index'), member) and redis.call('SISMEMBER', copied, member) == 0 then return end
  local row = rowkey(target, member)
  if redis.call('COPY', rowkey(source, member), row, 'REPLACE') == 0 then
    redis.call('DEL', row)
    redis.call('SREM', copied, member)
  else
    redis.call('SADD', copied, member)
  end
  if redis.call('ZSCORE', vkey(source, 'index'), member) then
    redis.call('ZADD', vkey(target, 'index'), 0, member)
  else
    redis.call('ZREM', vkey(target, 'index'), member)
  end
  if redis.call('ZSCORE', vkey(source, 'deleted'), member) then
    redis.call('ZADD', vkey(target, 'deleted'), 0, member)
  else
    redis.call('ZREM', vkey(target, 'deleted'), member)
  end
end
`;

/**
 * Applies logged changes to the version a large publish builds. ARGV: tag, run id, production
 * version, the run's version, identifiers…
 */
export const APPLY_CHANGES = `${PRELUDE}${APPLY_CHANGE}
local copied = key('stage:' .. ARGV[2] .. ':copied')
for i = 5, #ARGV do apply_change(ARGV[3], ARGV[4], copied, ARGV[i]) end
return #ARGV - 4
`;

/**
 * Finishes a large publish in one step: applies the changes logged since \`since\`, then points
 * \`current\` at the run's version, retires production's old version and records the run id.
 * ARGV: tag, run id, production version the copy started from ('' none), its schema hash, the
 * run's version, since (epoch), schema, schema hash, most changes to apply here. Returns
 * \`{'ok', version}\`, \`{'already'}\`, \`{'moved'}\` (another commit replaced or reshaped
 * production: copy again) or \`{'catchup', epoch}\` (too many changes for one step: apply them
 * first).
 */
export const COPY_SWITCH = `${PRELUDE}${APPLY_CHANGE}
local run_id = ARGV[2]
local source = ARGV[3]
local target = ARGV[5]
if redis.call('ZSCORE', key('runs'), run_id) then return { 'already' } end
local current = redis.call('GET', key('current')) or ''
if current ~= source or schema_hash(current ~= '' and current or nil) ~= ARGV[4] then return { 'moved' } end
local limit = tonumber(ARGV[9])
local changed = redis.call('ZRANGEBYSCORE', key('changes'), '(' .. ARGV[6], '+inf', 'LIMIT', 0, limit + 1)
if #changed > limit then return { 'catchup', redis.call('GET', key('epoch')) or '0' } end
local copied = key('stage:' .. run_id .. ':copied')
if source ~= '' then
  for i = 1, #changed do apply_change(source, target, copied, changed[i]) end
end
set_schema(target, ARGV[7], ARGV[8])
redis.call('SET', key('current'), target)
if source ~= '' then redis.call('SADD', key('retired'), source) end
redis.call('UNLINK', copied)
redis.call('SREM', key('copying'), run_id)
if redis.call('SCARD', key('copying')) == 0 then redis.call('DEL', key('changes')) end
local epoch = redis.call('INCR', key('epoch'))
record_published(run_id, epoch)
return { 'ok', target }
`;

/**
 * Deletes up to \`limit\` rows of an index (the rows and their identifiers). ARGV: tag, index,
 * row prefix, limit, the version the index belongs to, the run that must have staged it ('' any),
 * keys to delete once the index is empty… Returns 'more', 'done' or 'refused' (the version is
 * production, or was not staged by that run: after a flush, another run may have its number).
 */
export const DROP_ROWS = `${PRELUDE}
local version = ARGV[5]
if redis.call('GET', key('current')) == version then return 'refused' end
if ARGV[6] ~= '' and redis.call('HGET', vkey(version, 'meta'), 'run') ~= ARGV[6] then return 'refused' end
local limit = tonumber(ARGV[4])
local members = redis.call('ZRANGE', ARGV[2], 0, limit - 1)
if #members > 0 then
  local rows = {}
  for i = 1, #members do rows[i] = ARGV[3] .. members[i] end
  unlink_all(rows)
  redis.call('ZREMRANGEBYRANK', ARGV[2], 0, #members - 1)
end
if #members < limit then
  for i = 7, #ARGV do redis.call('UNLINK', ARGV[i]) end
  return 'done'
end
return 'more'
`;

/** Forgets a run's staging entry once its keys are gone. ARGV: tag, run id. */
export const FORGET_RUN = `${PRELUDE}
local run_id = ARGV[2]
redis.call('UNLINK', key('stage:' .. run_id .. ':copied'))
redis.call('SREM', key('copying'), run_id)
if redis.call('SCARD', key('copying')) == 0 then redis.call('DEL', key('changes')) end
redis.call('HDEL', key('staging'), run_id)
return 1
`;

/**
 * Reads up to \`limit\` rows of the current version from just after \`cursor\`. ARGV: tag,
 * version to read ('' the current one), 'index' or 'deleted', cursor, limit, tenant column
 * ('' none), tenant, prune (1: remove identifiers whose row expired), identifiers to skip first
 * (with no cursor), field count, fields…
 * Returns \`{'ok', version, schema hash, last identifier, 'more' or 'done', rows}\` where each
 * row is \`{identifier, value…}\`, or \`{'none'}\` (no production) or \`{'moved'}\` (the version
 * is no longer current).
 */
export const READ_ROWS = `${PRELUDE}
local current = redis.call('GET', key('current'))
if not current then return { 'none' } end
if ARGV[2] ~= '' and ARGV[2] ~= current then return { 'moved' } end
local index = vkey(current, ARGV[3])
local limit = tonumber(ARGV[5])
local members
if ARGV[4] == '' then
  members = redis.call('ZRANGE', index, '-', '+', 'BYLEX', 'LIMIT', tonumber(ARGV[9]), limit)
else
  members = redis.call('ZRANGE', index, '(' .. ARGV[4], '+', 'BYLEX', 'LIMIT', 0, limit)
end
local tenant_column = ARGV[6]
local field_count = tonumber(ARGV[10])
local fields = {}
for i = 1, field_count do fields[i] = ARGV[10 + i] end
local rows = {}
local expired = {}
for i = 1, #members do
  local row = rowkey(current, members[i])
  if redis.call('EXISTS', row) == 0 then
    expired[#expired + 1] = members[i]
  elseif tenant_column == '' or redis.call('HGET', row, tenant_column) == ARGV[7] then
    local values = { members[i] }
    local j = 1
    while j <= field_count do
      local last = math.min(j + 999, field_count)
      local found = redis.call('HMGET', row, unpack(fields, j, last))
      for k = j, last do values[k + 1] = found[k - j + 1] end
      j = last + 1
    end
    rows[#rows + 1] = values
  end
end
if ARGV[8] == '1' and #expired > 0 then chunked('ZREM', index, expired, 1000) end
local state = 'more'
if #members < limit then state = 'done' end
return { 'ok', current, schema_hash(current), members[#members] or '', state, rows }
`;

/**
 * Reads one row. ARGV: tag, identifier, tenant column ('' none), tenant, 'index' or 'deleted'.
 * Returns \`{'ok', version, schema hash, field, value, …}\` or \`{'none'}\`.
 */
export const GET_ROW = `${PRELUDE}
local current = redis.call('GET', key('current'))
if not current then return { 'none' } end
local member = ARGV[2]
if not redis.call('ZSCORE', vkey(current, ARGV[5]), member) then return { 'none' } end
local row = rowkey(current, member)
if ARGV[3] ~= '' and redis.call('HGET', row, ARGV[3]) ~= ARGV[4] then return { 'none' } end
local values = redis.call('HGETALL', row)
if #values == 0 then return { 'none' } end
local result = { 'ok', current, schema_hash(current) }
for i = 1, #values do result[#result + 1] = values[i] end
return result
`;

/** The part of the record scripts that finds production or creates it. */
const ENSURE_PRODUCTION = `
local function ensure_production(expected_hash, schema)
  local current = redis.call('GET', key('current'))
  if not current then
    if schema == '' then return nil end
    current = allocate_version()
    redis.call('SET', key('current'), current)
    set_schema(current, schema, expected_hash)
    return current
  end
  if schema_hash(current) ~= expected_hash then return nil end
  return current
end
`;

/**
 * Inserts a row. ARGV: tag, expected schema hash, schema (to create production when there is
 * none; '' never), identifier, TTL in ms, field, value, … Returns 'ok', 'stale', 'exists' or
 * 'deleted'.
 */
export const INSERT_ROW = `${PRELUDE}${ENSURE_PRODUCTION}
local current = ensure_production(ARGV[2], ARGV[3])
if not current then return 'stale' end
local member = ARGV[4]
local row = rowkey(current, member)
if redis.call('EXISTS', row) == 1 then
  if redis.call('ZSCORE', vkey(current, 'deleted'), member) then return 'deleted' end
  if redis.call('ZSCORE', vkey(current, 'index'), member) then return 'exists' end
  redis.call('DEL', row)
end
local pairs = {}
for i = 6, #ARGV do pairs[#pairs + 1] = ARGV[i] end
write_fields(row, pairs)
keep_row(row)
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', row, ARGV[5]) end
redis.call('ZADD', vkey(current, 'index'), 0, member)
redis.call('ZREM', vkey(current, 'deleted'), member)
touched({ member }, redis.call('INCR', key('epoch')))
return 'ok'
`;

/**
 * Updates (patches) or upserts a row. ARGV: tag, expected schema hash, schema ('' never
 * create production), identifier, TTL in ms, tenant column ('' none), tenant, mode ('update':
 * the row must exist and be visible; 'upsert': insert when absent, restore when soft-deleted),
 * columns a new row would lack although they are not nullable ('' none), count of pairs n,
 * n field/value pairs, fields to remove… Returns \`{'ok', version, schema hash, field, value,
 * …}\` (the row after the change), \`{'stale'}\`, \`{'none'}\`, \`{'tenant'}\` or \`{'required'}\`.
 */
export const PATCH_ROW = `${PRELUDE}${ENSURE_PRODUCTION}
local current
if ARGV[8] == 'update' then
  current = redis.call('GET', key('current'))
  if not current then return { 'none' } end
  if schema_hash(current) ~= ARGV[2] then return { 'stale' } end
else
  current = ensure_production(ARGV[2], ARGV[3])
  if not current then return { 'stale' } end
end
local member = ARGV[4]
local row = rowkey(current, member)
local exists = redis.call('EXISTS', row) == 1
local visible = exists and redis.call('ZSCORE', vkey(current, 'index'), member)
local deleted = exists and redis.call('ZSCORE', vkey(current, 'deleted'), member)
if ARGV[8] == 'update' then
  if not visible then return { 'none' } end
  if ARGV[6] ~= '' and redis.call('HGET', row, ARGV[6]) ~= ARGV[7] then return { 'none' } end
else
  if exists and not visible and not deleted then redis.call('DEL', row); exists = false end
  if exists and ARGV[6] ~= '' and redis.call('HGET', row, ARGV[6]) ~= ARGV[7] then return { 'tenant' } end
  if not exists and ARGV[9] ~= '' then return { 'required', ARGV[9] } end
end
local pair_count = tonumber(ARGV[10])
local pairs = {}
for i = 1, pair_count do pairs[i] = ARGV[10 + i] end
write_fields(row, pairs)
local removed = {}
for i = 11 + pair_count, #ARGV do removed[#removed + 1] = ARGV[i] end
if #removed > 0 then chunked('HDEL', row, removed, 1000) end
keep_row(row)
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', row, ARGV[5]) end
redis.call('ZADD', vkey(current, 'index'), 0, member)
redis.call('ZREM', vkey(current, 'deleted'), member)
touched({ member }, redis.call('INCR', key('epoch')))
local result = { 'ok', current, schema_hash(current) }
local values = redis.call('HGETALL', row)
for i = 1, #values do result[#result + 1] = values[i] end
return result
`;

/**
 * Deletes a visible row, or restores a soft-deleted one. ARGV: tag, identifier, tenant column
 * ('' none), tenant, mode ('hard', 'soft' or 'restore'). Returns 1 when a row changed, else 0.
 */
export const DELETE_ROW = `${PRELUDE}
local current = redis.call('GET', key('current'))
if not current then return 0 end
local member = ARGV[2]
local row = rowkey(current, member)
local from = 'index'
if ARGV[5] == 'restore' then from = 'deleted' end
if not redis.call('ZSCORE', vkey(current, from), member) then return 0 end
if redis.call('EXISTS', row) == 0 then return 0 end
if ARGV[3] ~= '' and redis.call('HGET', row, ARGV[3]) ~= ARGV[4] then return 0 end
if ARGV[5] == 'hard' then
  redis.call('DEL', row)
  redis.call('ZREM', vkey(current, 'index'), member)
elseif ARGV[5] == 'soft' then
  redis.call('ZREM', vkey(current, 'index'), member)
  redis.call('ZADD', vkey(current, 'deleted'), 0, member)
else
  redis.call('ZREM', vkey(current, 'deleted'), member)
  redis.call('ZADD', vkey(current, 'index'), 0, member)
end
touched({ member }, redis.call('INCR', key('epoch')))
return 1
`;

/** The version production reads and its schema. ARGV: tag. Returns `{version, schema, hash}` or `{}`. */
export const PRODUCTION_SCHEMA = `${PRELUDE}
local current = redis.call('GET', key('current'))
if not current then return {} end
local meta = redis.call('HMGET', vkey(current, 'meta'), 'schema', 'schemaHash')
return { current, meta[1] or '', meta[2] or '' }
`;
