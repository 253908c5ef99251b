-- A flood of wrong HTTP Basic secrets for the valid client's ID, from one source address: the
-- address given (sent as X-Forwarded-For to a server that trusts loopback as a proxy), or loopback.
-- Usage: wrk ... -s flood.lua <url> -- <valid client id> [<flood source address>]
-- Prints WRK_JSON {...} with the same fields as report.lua plus "statuses": {code: count}.

local b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

local function base64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end

local alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
local function randomString(n)
  local t = {}
  for i = 1, n do
    local k = math.random(1, #alphabet)
    t[i] = alphabet:sub(k, k)
  end
  return table.concat(t)
end

local function randomUuid()
  local hex = '0123456789abcdef'
  return (string.gsub('xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx', '[xy]', function(c)
    local v = (c == 'x') and math.random(0, 15) or math.random(8, 11)
    return hex:sub(v + 1, v + 1)
  end))
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set('tid', counter)
  table.insert(threads, thread)
end

local pool = {}
local nextIndex = 1
local POOL_SIZE = 2048

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  local validClientId = args[1] or randomUuid()
  local source = args[2]
  statuses = {}
  for i = 1, POOL_SIZE do
    local headers = { ['Authorization'] = 'Basic ' .. base64(validClientId .. ':ssbs_' .. randomString(43)) }
    if source then headers['X-Forwarded-For'] = source end
    pool[i] = wrk.format('GET', nil, headers)
  end
end

function request()
  local r = pool[nextIndex]
  nextIndex = nextIndex % POOL_SIZE + 1
  return r
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get('statuses')
    if s then
      for code, n in pairs(s) do merged[code] = (merged[code] or 0) + n end
    end
  end
  local parts = {}
  for code, n in pairs(merged) do table.insert(parts, string.format('"%d":%d', code, n)) end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ',')))
end
