#include "imaging/agent/http_request.h"

#include <gtest/gtest.h>

#include <boost/beast/http/empty_body.hpp>

namespace slipway::imaging::agent {
namespace {

namespace bhttp = boost::beast::http;

TEST(ApplianceRequestTest, EveryRequestCarriesTheBootsSecretWhenThereIsOne) {
  const Ipv4 ip = *Ipv4::parse("198.18.0.1");
  auto req = appliance_request<bhttp::empty_body>(bhttp::verb::get, "/api/v1/agent/install?mac=x",
                                                  ip, 8080, "sa1_abc_def");
  EXPECT_EQ(req[bhttp::field::authorization], "Bearer sa1_abc_def");
  EXPECT_EQ(req[bhttp::field::host], "198.18.0.1:8080");
  EXPECT_EQ(req[bhttp::field::connection], "close");

  auto none = appliance_request<bhttp::empty_body>(bhttp::verb::get, "/images/x", ip, 80, "");
  EXPECT_EQ(none.count(bhttp::field::authorization), 0u);
}

}  // namespace
}  // namespace slipway::imaging::agent
