"""Lua scripts for the Redis job store: each state change of a job is one atomic script.

Jobs are JSON documents (``RedisKeys.job``) changed with cjson inside the script, so a claim, a completion or a
cancellation sees and changes one consistent record even with many API and worker hosts at once. The payload,
result, error and metrics travel as opaque JSON strings inside the document: cjson would round big integers (a
64-bit seed) to doubles.

Every key a script touches arrives in ``KEYS`` (Redis Cluster refuses a script that reaches other keys); names come
from ``redis_keys``, never from the script. A job's stream is named by its priority and key, so the caller passes it
and the script checks it against the one the job was queued on.
"""

# KEYS: job, the key's stream for this priority, queued-by-owner, ready set of the priority, streams registry.
# ARGV: id, job document, owner key, group
SUBMIT = """
pcall(redis.call, 'XGROUP', 'CREATE', KEYS[2], ARGV[4], '0', 'MKSTREAM')
local entry = redis.call('XADD', KEYS[2], '*', 'id', ARGV[1])
local job = cjson.decode(ARGV[2])
job['entry'] = entry
job['stream'] = KEYS[2]
redis.call('SET', KEYS[1], cjson.encode(job))
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('ZADD', KEYS[4], 'NX', 0, ARGV[3])
redis.call('SADD', KEYS[5], KEYS[2])
return entry
"""

# A key leaves the ready set only when its stream has nothing undelivered, checked atomically against SUBMIT.
# KEYS: stream, ready set. ARGV: group, owner key
RETIRE_IF_EMPTY = """
local length = redis.call('XLEN', KEYS[1])
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
if length - pending <= 0 then redis.call('ZREM', KEYS[2], ARGV[2]) return 1 end
return 0
"""

# KEYS: job, queued-by-owner, running-by-owner. ARGV: worker, now, reclaim ("1" when taking over a dead worker's job)
CLAIM = """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local job = cjson.decode(raw)
if ARGV[3] == '1' then
  if job['status'] ~= 'IN_PROGRESS' then return false end
else
  if job['status'] ~= 'IN_QUEUE' then return false end
  redis.call('HINCRBY', KEYS[2], job['owner_key'], -1)
  redis.call('HINCRBY', KEYS[3], job['owner_key'], 1)
end
job['status'] = 'IN_PROGRESS'
job['worker'] = ARGV[1]
if job['started_at'] == nil or job['started_at'] == cjson.null then job['started_at'] = tonumber(ARGV[2]) end
job['attempts'] = (job['attempts'] or 0) + 1
local out = cjson.encode(job)
redis.call('SET', KEYS[1], out)
return out
"""

# KEYS: job, queued-by-owner, running-by-owner, webhooks, completed-by-outcome, the job's stream.
# ARGV: worker ('' = any), outcome, result, error, metrics, now, group, expire-seconds
COMPLETE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local job = cjson.decode(raw)
if job['status'] == 'COMPLETED' then return 0 end
if ARGV[1] ~= '' and (job['status'] ~= 'IN_PROGRESS' or job['worker'] ~= ARGV[1]) then return 0 end
if job['stream'] ~= KEYS[6] then return redis.error_reply('job ' .. job['id'] .. ' is queued on another stream') end
if job['status'] == 'IN_QUEUE' then
  redis.call('HINCRBY', KEYS[2], job['owner_key'], -1)
else
  redis.call('HINCRBY', KEYS[3], job['owner_key'], -1)
end
job['status'] = 'COMPLETED'
job['outcome'] = ARGV[2]
job['result'] = ARGV[3]
job['error'] = ARGV[4]
job['metrics'] = ARGV[5]
job['finished_at'] = tonumber(ARGV[6])
job['secrets_enc'] = nil
if job['webhook_url'] ~= nil and job['webhook_url'] ~= cjson.null then
  redis.call('ZADD', KEYS[4], ARGV[6], job['id'])
end
redis.call('SET', KEYS[1], cjson.encode(job))
redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
if tonumber(ARGV[8]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[8]) end
redis.call('XACK', KEYS[6], ARGV[7], job['entry'])
redis.call('XDEL', KEYS[6], job['entry'])
return 1
"""

# KEYS: job
CANCEL = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 'NOT_FOUND' end
local job = cjson.decode(raw)
if job['status'] == 'COMPLETED' then return 'ALREADY_COMPLETED' end
job['cancel_requested'] = true
redis.call('SET', KEYS[1], cjson.encode(job))
return job['status']
"""

# KEYS: job, queued-by-owner, running-by-owner, ready set of the job's priority, the job's stream. ARGV: worker, group
RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local job = cjson.decode(raw)
if job['status'] ~= 'IN_PROGRESS' or job['worker'] ~= ARGV[1] then return 0 end
if job['stream'] ~= KEYS[5] then return redis.error_reply('job ' .. job['id'] .. ' is queued on another stream') end
redis.call('XACK', KEYS[5], ARGV[2], job['entry'])
redis.call('XDEL', KEYS[5], job['entry'])
job['entry'] = redis.call('XADD', KEYS[5], '*', 'id', job['id'])
redis.call('ZADD', KEYS[4], 'NX', 0, job['owner_key'])
job['status'] = 'IN_QUEUE'
job['worker'] = cjson.null
if ARGV[3] ~= '1' then job['attempts'] = math.max(0, (job['attempts'] or 1) - 1) end
redis.call('HINCRBY', KEYS[2], job['owner_key'], 1)
redis.call('HINCRBY', KEYS[3], job['owner_key'], -1)
redis.call('SET', KEYS[1], cjson.encode(job))
return 1
"""

# Takes due webhooks and pushes their time back, so another API host does not send the same one meanwhile.
# KEYS: webhooks. ARGV: now, limit, lease seconds
DUE_WEBHOOKS = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), id) end
return ids
"""
