-- wrk script for bench/subscriptions.sh: each request asks for a random user's subscription.
-- The paths file (PATHS in the environment) holds one request path per line.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["User-Agent"] = "v2rayN/6.40"})
end
