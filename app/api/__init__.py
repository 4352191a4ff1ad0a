"""The web layer: pydantic schemas at the edge, FastAPI routers, streaming."""
