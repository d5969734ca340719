"""The kuaishou-open provider: the real open platform's endpoints, and people for the rest.

The real platform reads an authorized account's identity (`/openapi/user_info`) and works
(`/openapi/photo/list|count|info`); nothing public closes live, cancels a 直播预告, exports
interactions or takes replays down. This provider reads what it can, takes the rest from
the attestations and evidence people record, and plans every action as a manual step
(docs/real-platform.md).
"""
