"""A tiny image-embedding ONNX model built in the test (no download): conv -> flatten -> matmul,
mapping a 3x16x16 crop to a 16-d vector, with the metadata reid.embedding reads."""

import io

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image as PILImage


def tiny_model(path, size=16, dim=16, seed=0, metadata=None):
    rng = np.random.default_rng(seed)
    conv = rng.normal(size=(4, 3, 4, 4)).astype(np.float32)
    cells = 4 * (size // 4) * (size // 4)
    project = rng.normal(size=(cells, dim)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["image", "conv_w"], ["features"], kernel_shape=[4, 4], strides=[4, 4]),
            helper.make_node("Flatten", ["features"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "project"], ["embedding"]),
        ],
        "tiny-reid",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])],
        initializer=[numpy_helper.from_array(conv, "conv_w"), numpy_helper.from_array(project, "project")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    meta = {"name": "tiny-reid", "input_size": f"{size},{size}", "mean": "0.5,0.5,0.5", "std": "0.5,0.5,0.5"}
    helper.set_model_props(model, {**meta, **(metadata or {})})
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def coat_jpeg(color, width=320, height=240, box=(100, 60, 120, 100), seed=0, orientation=None):
    """A real JPEG: grey field with a textured patch of `color` where the deer's box is."""
    rng = np.random.default_rng(seed)
    pixels = np.full((height, width, 3), 110, dtype=np.uint8)
    x, y, w, h = box
    patch = np.clip(np.array(color) + rng.normal(0, 6, size=(h, w, 3)), 0, 255).astype(np.uint8)
    pixels[y : y + h, x : x + w] = patch
    picture = PILImage.fromarray(pixels)
    buffer = io.BytesIO()
    kwargs = {"quality": 92}
    if orientation:
        exif = PILImage.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    picture.save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()
