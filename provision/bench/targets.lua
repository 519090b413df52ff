-- targets.lua — wrk script for run-wrk.sh: every request asks for the next
-- phone of the targets file (one "path<TAB>User-Agent<TAB>basic<TAB>ETag"
-- line per phone, as `phoneprov-bench seed --out-targets` writes it), with
-- that phone's User-Agent, each wrk thread starting at a different offset.
-- The same requests go to phoneprov and to nginx (which ignores the
-- User-Agent). The mode after the file adds a header to every request:
-- plain (none), inm (If-None-Match: the ETag column) or basic
-- (Authorization: Basic the basic column).
--   wrk ... -s targets.lua http://127.0.0.1:PORT -- /path/to/targets.tsv [plain|inm|basic]
-- Requests are formatted once in init(), so the load generator spends the
-- shared CPU on sending, not on building strings.
-- No response() callback on purpose: it would make wrk hand every body to
-- Lua; wrong statuses are counted by wrk ("Non-2xx or 3xx responses").
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  local file = args[1] or error("targets.lua: give the targets file after --")
  local mode = args[2] or "plain"
  local f = assert(io.open(file, "r"))
  reqs = {}
  for line in f:lines() do
    local path, ua, basic, etag = line:match("^([^\t]+)\t([^\t]+)\t?([^\t]*)\t?([^\t]*)$")
    if path then
      local h = { ["User-Agent"] = ua }
      if mode == "inm" then
        h["If-None-Match"] = etag
      elseif mode == "basic" then
        h["Authorization"] = "Basic " .. basic
      elseif mode ~= "plain" then
        error("targets.lua: mode " .. mode .. ": use plain, inm or basic")
      end
      reqs[#reqs + 1] = wrk.format("GET", path, h)
    end
  end
  f:close()
  n = #reqs
  if n == 0 then error("targets.lua: no targets in " .. file) end
  i = (tid * 4999) % n
end

function request()
  i = (i % n) + 1
  return reqs[i]
end
