"""The content API's use cases: put a block (embedded as it is stored), list a collection, delete a block."""

from dataclasses import dataclass

from emailseq.domain.content import MAX_BLOCKS_PER_COLLECTION, ContentBlock, embedding_text
from emailseq.domain.errors import Conflict, NotFound
from emailseq.domain.ports import Clock, ContentBlocks, TextEmbedder


@dataclass(frozen=True)
class ContentPorts:
    blocks: ContentBlocks
    embedder: TextEmbedder  # loads the model on first use: a GET or DELETE never pays for it
    clock: Clock


@dataclass(frozen=True)
class BlockText:
    title: str
    url: str
    summary: str
    tags: tuple[str, ...]


def put_block(
    ports: ContentPorts, tenant_id: str, collection: str, block_id: str, text: BlockText
) -> tuple[ContentBlock, bool]:
    """Create or replace the block, with the embedding of its title, summary and tags; (the block, whether new)."""
    existing = ports.blocks.get(tenant_id, collection, block_id)
    if existing is None and ports.blocks.count(tenant_id, collection) >= MAX_BLOCKS_PER_COLLECTION:
        raise Conflict(
            f"collection '{collection}' already has {MAX_BLOCKS_PER_COLLECTION} blocks; delete some or use another"
        )
    (vector,) = ports.embedder.embed([embedding_text(text.title, text.summary, text.tags)])
    block = ContentBlock(
        tenant_id=tenant_id,
        collection=collection,
        block_id=block_id,
        title=text.title,
        url=text.url,
        summary=text.summary,
        tags=text.tags,
        updated_at=ports.clock.now(),
        vector=vector,
    )
    ports.blocks.put(block)
    return block, existing is None


def list_blocks(ports: ContentPorts, tenant_id: str, collection: str) -> list[ContentBlock]:
    """Newest first (the order recommendations fall back to)."""
    blocks = ports.blocks.collection(tenant_id, collection)
    return sorted(blocks, key=lambda b: (b.updated_at, b.block_id), reverse=True)


def delete_block(ports: ContentPorts, tenant_id: str, collection: str, block_id: str) -> None:
    if not ports.blocks.delete(tenant_id, collection, block_id):
        raise NotFound("content block", f"{collection}/{block_id}")
