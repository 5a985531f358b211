"""`/v1/content/{collection}`: the content blocks `recommend(collection, n)` picks from in templates (articles,
products, …). Each PUT embeds the block's title, summary and tags (MiniLM) as it is stored."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from emailseq.api.deps import content_ports_for_api
from emailseq.api.principal import Caller, Editor
from emailseq.domain.content import BLOCK_ID_PATTERN, COLLECTION_PATTERN, ContentBlock
from emailseq.logic.content import BlockText, ContentPorts, delete_block, list_blocks, put_block

router = APIRouter(prefix="/v1/content", tags=["content"])
Ports = Annotated[ContentPorts, Depends(content_ports_for_api)]
Collection = Annotated[str, Path(pattern=COLLECTION_PATTERN, description="Lower-case letters, digits, - and _.")]
BlockId = Annotated[str, Path(pattern=BLOCK_ID_PATTERN, description="Letters, digits, '.', '-', '_' (≤ 128).")]
Tag = Annotated[str, Field(min_length=1, max_length=50)]


class BlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[AnyHttpUrl, Field(description="http(s) link the block points to; clicks on it are matched to it.")]
    summary: Annotated[str, Field(max_length=2000)] = ""
    tags: Annotated[list[Tag], Field(max_length=20)] = []


class BlockOut(BaseModel):
    id: str
    collection: str
    title: str
    url: str
    summary: str
    tags: list[str]
    updated_at: datetime


class BlocksPage(BaseModel):
    items: list[BlockOut]  # the whole collection (at most 500 blocks), newest first


def _out(block: ContentBlock) -> BlockOut:
    return BlockOut(
        id=block.block_id,
        collection=block.collection,
        title=block.title,
        url=block.url,
        summary=block.summary,
        tags=list(block.tags),
        updated_at=block.updated_at,
    )


@router.put(
    "/{collection}/{block_id}",
    status_code=200,
    response_model=BlockOut,
    responses={201: {"model": BlockOut, "description": "Created"}},  # documented, so the spec covers both answers
)
def put_content_block(
    collection: Collection, block_id: BlockId, body: BlockIn, caller: Editor, ports: Ports, response: Response
) -> BlockOut:
    """Create (201) or replace (200) a block; a collection holds at most 500 blocks (409 beyond)."""
    text = BlockText(body.title.strip(), str(body.url), body.summary.strip(), tuple(t.strip() for t in body.tags))
    stored, created = put_block(ports, caller.tenant_id, collection, block_id, text)
    response.status_code = 201 if created else 200
    return _out(stored)


@router.get("/{collection}", response_model=BlocksPage)
def list_content_blocks(collection: Collection, caller: Caller, ports: Ports) -> BlocksPage:
    return BlocksPage(items=[_out(block) for block in list_blocks(ports, caller.tenant_id, collection)])


@router.delete("/{collection}/{block_id}", status_code=204)
def delete_content_block(collection: Collection, block_id: BlockId, caller: Editor, ports: Ports) -> Response:
    delete_block(ports, caller.tenant_id, collection, block_id)
    return Response(status_code=204)
