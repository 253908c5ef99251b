-- GET …/spManaged/customer<N>.example for a random N in [1, count]; args: prefix, count.
-- Prints the same WRK_JSON summary as report.lua.
local here = debug.getinfo(1, 'S').source:match('@(.*/)') or './'
dofile(here .. 'report.lua')

local prefix, count
function init(args)
  prefix = args[1]
  count = tonumber(args[2])
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format('GET', prefix .. 'customer' .. math.random(1, count) .. '.example')
end
