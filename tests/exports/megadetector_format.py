"""The rules of MegaDetector's own validator (megadetector/postprocessing/validate_batch_results.py in
agentmorris/MegaDetector, MIT; the `megadetector` package pulls torch, so it is not installed) and of
the written format spec (megadetector-output-format.md), as one function returning the problems."""


def _is_id(value):
    return isinstance(value, str) and value.isdigit()


def format_problems(document):
    problems = []
    info = document.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("format_version"), str):
        return ["info.format_version must be a string"]
    if float(info["format_version"]) < 1.3:
        problems.append("format_version below 1.3")
    categories = document.get("detection_categories")
    if not isinstance(categories, dict):
        return problems + ["no detection_categories"]
    for key, name in categories.items():
        if not _is_id(key) or not isinstance(name, str) or not name.strip():
            problems.append(f"bad detection category {key}: {name!r}")
    classes = document.get("classification_categories", {})
    for key, name in classes.items():
        if not _is_id(key) or not isinstance(name, str) or not name.strip():
            problems.append(f"bad classification category {key}: {name!r}")
    descriptions = document.get("classification_category_descriptions")
    if descriptions is not None and set(descriptions) != set(classes):
        problems.append("classification_category_descriptions must use the ids of classification_categories")
    if not isinstance(document.get("images"), list):
        return problems + ["images must be a list"]
    for image in document["images"]:
        if not isinstance(image, dict) or not isinstance(image.get("file"), str):
            problems.append(f"image without file: {image!r}"[:120])
            continue
        failure, detections = image.get("failure"), image.get("detections")
        if failure is not None:
            if not isinstance(failure, str) or detections is not None:
                problems.append(f"{image['file']}: a failure needs a string and null detections")
            continue
        if not isinstance(detections, list):
            problems.append(f"{image['file']}: detections must be a list")
            continue
        for det in detections:
            if det.get("category") not in categories:
                problems.append(f"{image['file']}: category {det.get('category')} not in detection_categories")
            if not isinstance(det.get("conf"), float) or not 0 <= det["conf"] <= 1:
                problems.append(f"{image['file']}: conf must be a float in 0..1")
            box = det.get("bbox")
            if not isinstance(box, list) or len(box) != 4 or not all(0 <= v <= 1 for v in box):
                problems.append(f"{image['file']}: bbox must be four relative numbers")
            elif box[0] + box[2] > 1.000001 or box[1] + box[3] > 1.000001:
                problems.append(f"{image['file']}: bbox leaves the image")
            scores = []
            for pair in det.get("classifications", []):
                if not isinstance(pair[0], str) or pair[0] not in classes:
                    problems.append(f"{image['file']}: classification {pair[0]!r} not in classification_categories")
                if not isinstance(pair[1], (float, int)):
                    problems.append(f"{image['file']}: classification score must be a number")
                scores.append(pair[1])
            if scores != sorted(scores, reverse=True):
                problems.append(f"{image['file']}: classifications must be in descending order")
    return problems
