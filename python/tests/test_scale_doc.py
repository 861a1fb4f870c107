"""docs/SCALE.md's reimplementation of the shard hash runs and gives the documented shards
(the same values tests/unit/shard_test.cpp pins for the C++ one)."""

import re
from pathlib import Path

SCALE = Path(__file__).resolve().parents[2] / "docs" / "SCALE.md"


def test_the_documented_shard_function_gives_the_documented_shards():
    blocks = re.findall(r"```python\n(.*?)```", SCALE.read_text(), re.S)
    code = next(block for block in blocks if "def shard_of" in block)
    namespace: dict = {}
    exec(code, namespace)  # its own asserts check the documented examples
    shard_of = namespace["shard_of"]
    assert shard_of("c.bin", 4) == 1
    assert shard_of("重命名 ✓.bin", 4) == 3
    assert [shard_of(f"f{i:05d}.bin", 1) for i in range(10)] == [0] * 10
