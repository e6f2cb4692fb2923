-- One request shape for the benchmarks, configured through the environment:
--   GK_METHOD (GET|POST), GK_TOKEN (bearer), GK_BODY (JSON for POST),
--   GK_PATH (may contain {id}), GK_IDS (comma-separated ids substituted for {id}, at random),
--   GK_NO_CACHE (non-empty: send Cache-Control: no-cache, a read from the database).
local method = os.getenv("GK_METHOD") or "GET"
local token = os.getenv("GK_TOKEN")
local body = os.getenv("GK_BODY")
local path = os.getenv("GK_PATH") or "/"
local ids = {}
for id in string.gmatch(os.getenv("GK_IDS") or "", "[^,]+") do
  ids[#ids + 1] = id
end

wrk.method = method
if token and #token > 0 then
  wrk.headers["Authorization"] = "Bearer " .. token
end
if (os.getenv("GK_NO_CACHE") or "") ~= "" then
  wrk.headers["Cache-Control"] = "no-cache"
end
if body and #body > 0 then
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = body
end

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed or 1)
end

request = function()
  local p = path
  if #ids > 0 then
    p = string.gsub(path, "{id}", ids[math.random(#ids)])
  end
  return wrk.format(nil, p)
end
