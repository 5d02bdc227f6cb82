-- wrk script for enroll_bench.sh: every new machine first asks for its iPXE script (as its
-- netboot does), which gives it its agent secret; then its runtime POSTs the facts report named
-- by $SLIPWAY_REPORT with that secret, a new boot MAC, second NIC MAC and SMBIOS UUID, so that
-- every report is a new machine. Half the requests are scripts, half reports; done() prints
-- "reports: N" (the reports answered).
local file = assert(io.open(os.getenv("SLIPWAY_REPORT"), "r"))
local template = file:read("*a")
file:close()

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local n = 0
-- Machines whose script came back: {mac base, secret}, reported next.
local booted = {}
reports = 0

request = function()
  local m = table.remove(booted, 1)
  if m then
    local uuid = string.format("5a1e00ca-0000-4000-8000-0000%08x", m.n)
    local body = template:gsub("52:54:00:ca:00:01", m.base .. ":01")
                         :gsub("52:54:00:ca:00:02", m.base .. ":02")
                         :gsub("5a1e00ca%-0000%-4000%-8000%-000000000001", uuid)
    return wrk.format("POST", "/api/v1/agent/report",
                      {["Content-Type"] = "application/json",
                       ["Authorization"] = "Bearer " .. m.secret}, body)
  end
  n = n + 1
  local hi, mid, lo = math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256
  local base = string.format("02:%02x:%02x:%02x:%02x", math.floor(n / 16777216) % 256, hi, mid, lo)
  return wrk.format("GET", "/boot/ipxe?mac=" .. base .. ":01")
end

response = function(status, headers, body)
  local mac = body:match("slipway%.mac=(%S+)")
  local secret = body:match("slipway%.secret=(%S+)")
  if mac and secret then
    local n_of = tonumber(mac:sub(4, 14):gsub(":", ""), 16)
    table.insert(booted, {base = mac:sub(1, 14), secret = secret, n = n_of})
  elseif status == 200 and not body:match("^#!ipxe") then
    reports = reports + 1
  end
end

done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("reports")
  end
  io.write(string.format("reports: %d\n", total))
end
