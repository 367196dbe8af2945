"""The .proto files OpenBay wrote down for envd's services say what the official SDK's own
generated clients say: every message, field number and type, and every method."""
import pytest
from e2b.envd.filesystem import filesystem_pb as sdk_filesystem
from e2b.envd.process import process_pb as sdk_process
from google.protobuf import descriptor_pb2

from openbay.e2b.proto import filesystem_pb2, process_pb2


def _shape(file: descriptor_pb2.FileDescriptorProto) -> dict:
    def fields(msg, prefix=""):
        name = prefix + msg.name
        out = {name: {(f.name, f.number, f.type, f.label, f.type_name, f.oneof_index if f.HasField("oneof_index")
                       else -1) for f in msg.field}}
        for nested in msg.nested_type:
            out.update(fields(nested, name + "."))
        return out
    shape = {}
    for msg in file.message_type:
        shape.update(fields(msg))
    shape["enums"] = {(e.name, v.name, v.number) for e in file.enum_type for v in e.value}
    shape["methods"] = {(s.name, m.name, m.input_type, m.output_type, m.client_streaming, m.server_streaming)
                        for s in file.service for m in s.method}
    return shape


@pytest.mark.parametrize("ours, theirs", [(process_pb2, sdk_process), (filesystem_pb2, sdk_filesystem)])
def test_written_down_protocol_matches_the_sdk(ours, theirs):
    mine = descriptor_pb2.FileDescriptorProto()
    ours.DESCRIPTOR.CopyToProto(mine)
    sdk = descriptor_pb2.FileDescriptorProto.FromString(theirs.desc().proto.to_binary())
    assert mine.package == sdk.package
    assert _shape(mine) == _shape(sdk)
