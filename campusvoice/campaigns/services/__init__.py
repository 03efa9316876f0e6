"""Every write in campaigns, split by sub-domain: plans, content, exports, themes, feeds, reach."""
