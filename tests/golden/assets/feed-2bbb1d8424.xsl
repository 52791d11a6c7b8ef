<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows the Atom and RSS feeds as a page to a reader who opens them in a browser; feed readers ignore it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>
<xsl:template match="/">
<html lang="zh-CN">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>订阅源 · AI 年度回顾</title>
<style>
body { margin: 0 auto; max-width: 44rem; padding: 1.5rem 1.25rem 3rem; color: #1d232b; line-height: 1.75;
  font-family: "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei", system-ui, sans-serif; }
a { color: #b3111e; }
.note { background: #f5f6f8; border-left: 4px solid #b3111e; padding: 0.75rem 1rem; }
code { overflow-wrap: anywhere; background: #f5f6f8; padding: 0.1rem 0.3rem; border-radius: 4px; }
h1 { font-size: 1.8rem; line-height: 1.3; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.25rem; }
.meta { color: #5b6573; font-size: 0.9rem; margin: 0; }
</style>
</head>
<body>
<p class="note"><strong>这是一个订阅源（feed）。</strong>把本页地址 <code><xsl:value-of select="(atom:feed/atom:link[@rel='self']/@href | rss/channel/atom:link[@rel='self']/@href)[1]"/></code>
复制到 RSS 阅读器里，新一期发布时就会收到提醒。<a href="https://reports.example.org/ai/subscribe/">怎样订阅？</a></p>
<h1><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/></h1>
<p><xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/></p>
<xsl:for-each select="atom:feed/atom:entry | rss/channel/item">
<section>
<h2><a href="{atom:link[@rel='alternate']/@href | link}"><xsl:value-of select="atom:title | title"/></a></h2>
<p class="meta"><xsl:value-of select="substring(atom:published, 1, 10)"/><xsl:value-of select="substring(pubDate, 1, 16)"/></p>
<p><xsl:value-of select="atom:summary | description"/></p>
</section>
</xsl:for-each>
<p><a href="https://reports.example.org/ai/">往期回顾</a></p>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
