-- wrk script for enroll_bench.sh: POSTs the facts report named by $SLIPWAY_REPORT, each time
-- with a new boot MAC, second NIC MAC and SMBIOS UUID, so that every request is a new machine.
local file = assert(io.open(os.getenv("SLIPWAY_REPORT"), "r"))
local template = file:read("*a")
file:close()
local n = 0

request = function()
  n = n + 1
  local hi, mid, lo = math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256
  local base = string.format("02:00:%02x:%02x:%02x", hi, mid, lo)
  local uuid = string.format("5a1e00ca-0000-4000-8000-%012x", n)
  local body = template:gsub("52:54:00:ca:00:01", base .. ":01")
                       :gsub("52:54:00:ca:00:02", base .. ":02")
                       :gsub("5a1e00ca%-0000%-4000%-8000%-000000000001", uuid)
  return wrk.format("POST", "/api/v1/agent/report", {["Content-Type"] = "application/json"}, body)
end
