"""A CoAP server (aiocoap, RFC 7252) for the user-plane test: ``GET /ntn`` answers 2.05
Content with the payload ``ntn-reply``. Usage: ``python -m tests.s1ap.coap_server PORT``
(127.0.0.1); prints "ready" once it listens, serves until killed."""
from __future__ import annotations

import asyncio
import sys

import aiocoap
import aiocoap.resource as resource

REPLY = b"ntn-reply"


class Ntn(resource.Resource):
    async def render_get(self, request):
        return aiocoap.Message(code=aiocoap.CONTENT, payload=REPLY)


async def main(port: int) -> None:
    site = resource.Site()
    site.add_resource(["ntn"], Ntn())
    await aiocoap.Context.create_server_context(site, bind=("127.0.0.1", port))
    print("ready", flush=True)
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
