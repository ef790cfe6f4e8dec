// labctl ui's listen address rule and page (labctl/ui/server.hpp), without a lab.
#include "labctl/ui/server.hpp"

#include <gtest/gtest.h>

namespace flowlab::ui {
namespace {

TEST(UiServer, LoopbackByDefaultElsewhereOnlyWhenAllowed) {
  auto v4 = listen_endpoint("127.0.0.1:8080", false);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->port(), 8080);
  EXPECT_TRUE(listen_endpoint("[::1]:0", false).ok());
  auto remote = listen_endpoint("0.0.0.0:8080", false);
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.error().kind, ErrorKind::kUsage);
  EXPECT_NE(remote.error().message.find("--allow-remote"), std::string::npos);
  EXPECT_TRUE(listen_endpoint("0.0.0.0:8080", true).ok());
  for (const char* bad : {"8080", "localhost:8080", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:80x"}) {
    EXPECT_FALSE(listen_endpoint(bad, true).ok()) << bad;
  }
}

TEST(UiServer, PageIsSelfContained) {
  const std::string page = page_html();
  EXPECT_EQ(page.find("/*APP_JS*/"), std::string::npos);  // every marker replaced
  EXPECT_EQ(page.find("/*APP_CSS*/"), std::string::npos);
  EXPECT_EQ(page.find("/*SANKEY_HOVER*/"), std::string::npos);
  EXPECT_NE(page.find("new EventSource('/events')"), std::string::npos);
  EXPECT_NE(page.find("sankey-tip"), std::string::npos);
  for (const char* external : {"src=\"http", "href=\"http", "<link", "url(http", "https://"}) {
    EXPECT_EQ(page.find(external), std::string::npos) << external;  // no CDN, font or other URL
  }
}

}  // namespace
}  // namespace flowlab::ui
