-- The data bench/redis/redeem.lua redeems against, as bench/postgres/
-- schema.sql loads it: one programme valid from a day ago for a year, one
-- labelled venue accepting it, and the passes ARGV[1] to ARGV[2] of that
-- programme, one hash each (state 1: issued). bench/suite.py runs it in
-- slices, so that no call blocks the server for long, the first slice
-- (from serial 1) writing the programme and the venue:
--   EVAL <this script> 0 <first serial> <last serial>
local first, last = tonumber(ARGV[1]), tonumber(ARGV[2])
if first == 1 then
  local now = tonumber(redis.call('TIME')[1])
  redis.call('HSET', 'programme:1', 'face_value', '1000',
             'valid_from', now - 86400, 'valid_until', now + 366 * 86400,
             'closed', '0')
  redis.call('HSET', 'venue:1', 'labelled', '1', 'suspended', '0')
  redis.call('SADD', 'venue:1:programmes', '1')
end
for serial = first, last do
  redis.call('HSET', 'pass:' .. serial, 'state', '1', 'programme', '1')
end
return redis.status_reply('OK')
