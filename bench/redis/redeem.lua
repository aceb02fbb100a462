-- The redemption a team would otherwise build on Redis: passclear's checks
-- (the stored answer for a retried request id, the pass, its programme,
-- the venue) and the writes bench/postgres/schema.sql's redeem() makes too
-- (the pass redeemed, the claim line in the venue's open batch, the
-- answer; passclear also keeps a journal entry and a usage counter), in
-- one script, which Redis runs alone and, with appendonly yes and
-- appendfsync always, answers only once its writes are synced.
-- Loaded by bench/suite.py with SCRIPT LOAD, run with
--   EVALSHA <sha> 0 <serial> <venue id> <terminal id> <request id>
-- on the keys bench/redis/schema.lua writes. Answers 'REDEEMED ...' or the
-- refusal, with the first redemption's evidence for ALREADY_REDEEMED.
--
-- serial '+' takes the next serial never scanned from the scan_serial
-- counter, as bench/postgres/redeem.pgbench takes nextval('scan_serial'):
-- redis-benchmark cannot count, and serials drawn at random would repeat
-- (a third of them over a run the size of the store), each repeat a cheap
-- refusal that would flatter Redis. The keys are built here, not passed in
-- KEYS: a single instance, as in the suite (Redis Cluster would need them).
local serial, venue_id, terminal, request = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

-- An idempotent retry gets the stored answer, if it is the same request.
local answer_key = 'answer:' .. terminal .. ':' .. request
local earlier = redis.call('GET', answer_key)
if earlier then
  local answered_serial, answered_venue, answer =
      string.match(earlier, '^(%S+) (%S+) (.*)$')
  if (serial ~= '+' and serial ~= answered_serial) or
      venue_id ~= answered_venue then
    return redis.error_reply('ALREADY_EXISTS request id ' .. request ..
                             ' was used for serial ' .. answered_serial ..
                             ' at venue ' .. answered_venue)
  end
  -- Counted for the suite: redis-benchmark's random request ids repeat now
  -- and then, and a replay, cheaper than a redemption, must stay rare.
  redis.call('INCR', 'replays')
  return answer
end
if serial == '+' then serial = tostring(redis.call('INCR', 'scan_serial')) end

local time = redis.call('TIME')
local now = tonumber(time[1])
local recorded_at = time[1] .. '.' .. time[2]
local pass_key = 'pass:' .. serial
-- state: 1 issued, 2 redeemed, 3 voided (as in bench/postgres/schema.sql).
local pass = redis.call('HMGET', pass_key, 'state', 'programme', 'venue',
                        'terminal', 'redeemed_at')
local answer
if not pass[1] then
  answer = 'UNKNOWN_SERIAL'
elseif pass[1] == '2' then
  answer = 'ALREADY_REDEEMED at ' .. pass[5] .. ' venue ' .. pass[3] ..
           ' terminal ' .. pass[4]
elseif pass[1] == '3' then
  answer = 'VOIDED'
else
  local programme = redis.call('HMGET', 'programme:' .. pass[2], 'face_value',
                               'valid_from', 'valid_until', 'closed')
  local venue = redis.call('HMGET', 'venue:' .. venue_id, 'labelled',
                           'suspended', 'open_batch')
  if programme[4] == '1' or now < tonumber(programme[2]) or
      now > tonumber(programme[3]) then
    answer = 'EXPIRED'
  elseif venue[1] ~= '1' or venue[2] == '1' or
      redis.call('SISMEMBER', 'venue:' .. venue_id .. ':programmes',
                 pass[2]) == 0 then
    answer = 'VENUE_NOT_ACCEPTING'
  else
    -- The venue's open claim batch, opened at its first line.
    local batch = venue[3]
    if not batch then
      batch = tostring(redis.call('INCR', 'batch_ids'))
      redis.call('HSET', 'venue:' .. venue_id, 'open_batch', batch)
    end
    local seq = redis.call('INCR', 'claim_seq')
    redis.call('HSET', pass_key, 'state', '2', 'venue', venue_id,
               'terminal', terminal, 'redeemed_at', recorded_at,
               'batch', batch, 'seq', seq)
    -- Keyed by seq, as passclear keys its claim lines: a cancellation
    -- deletes one.
    redis.call('HSET', 'batch:' .. batch .. ':lines', seq,
               serial .. ' ' .. pass[2] .. ' ' .. programme[1] .. ' ' ..
               terminal .. ' ' .. recorded_at)
    answer = 'REDEEMED ' .. serial .. ' cents ' .. programme[1] ..
             ' batch ' .. batch .. ' seq ' .. seq
  end
end
redis.call('SET', answer_key, serial .. ' ' .. venue_id .. ' ' .. answer)
return answer
