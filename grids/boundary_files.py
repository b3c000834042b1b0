"""Boundaries of many areas in one file: GeoJSON (a FeatureCollection) or KML (what Google
Earth, 奥维互动地图 and most GIS tools export). Each feature names its area by a code or name
property (KML: the placemark's <name>, or ExtendedData 编码/code). KML is parsed with
defusedxml, so entity tricks are refused; nothing is fetched over the network.
"""

import json
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .forms import parse_boundary

MAX_BOUNDARY_FILE_BYTES = 10 * 1024 * 1024
CODE_KEYS = ("code", "编码", "CODE", "Code")
NAME_KEYS = ("name", "名称", "NAME", "Name")


@dataclass(frozen=True)
class BoundaryFeature:
    number: int  # the feature's place in the file, from 1
    code: str
    name: str
    geometry: dict

    @property
    def label(self) -> str:
        return self.code or self.name or _("feature %(number)s") % {"number": self.number}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str):
    return [child for child in element.iter() if _local(child.tag) == name]


def _kml_ring(element, where: str) -> list[list[float]]:
    coordinates = next(iter(_children(element, "coordinates")), None)
    points = []
    for chunk in (coordinates.text or "").split() if coordinates is not None else []:
        parts = chunk.split(",")
        try:
            points.append([float(parts[0]), float(parts[1])])
        except (ValueError, IndexError):
            raise ValidationError(
                _("%(where)s: the coordinate “%(text)s” is not longitude,latitude.")
                % {"where": where, "text": chunk[:40]}
            ) from None
    return points


def _kml_features(data: bytes) -> list[BoundaryFeature]:
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException, ValueError):
        raise ValidationError(_("The KML file is not well-formed XML.")) from None
    features = []
    for number, placemark in enumerate(_children(root, "Placemark"), start=1):
        name = next((c.text or "" for c in placemark if _local(c.tag) == "name"), "").strip()
        code = ""
        for item in _children(placemark, "Data") + _children(placemark, "SimpleData"):
            if item.get("name") in CODE_KEYS:
                value = next(iter(_children(item, "value")), None)
                code = ((value.text if value is not None else item.text) or "").strip()
        where = _("Placemark %(number)s (%(name)s)") % {"number": number, "name": name or "—"}
        polygons = []
        for polygon in _children(placemark, "Polygon"):
            outer = next(iter(_children(polygon, "outerBoundaryIs")), None)
            if outer is None:
                continue
            rings = [_kml_ring(outer, where)]
            rings += [_kml_ring(inner, where) for inner in _children(polygon, "innerBoundaryIs")]
            polygons.append(rings)
        if not polygons:
            continue  # a point or a path (a label, a road): not a boundary
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        features.append(_checked(number, code, name, geometry, where))
    return features


def _checked(number, code, name, geometry, where) -> BoundaryFeature:
    try:
        geometry = parse_boundary(json.dumps(geometry))
    except ValidationError as error:
        raise ValidationError(f"{where}: {' '.join(error.messages)}") from None
    return BoundaryFeature(number=number, code=code, name=name, geometry=geometry)


def _geojson_features(data: bytes) -> list[BoundaryFeature]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError(_("The GeoJSON file is not valid JSON in UTF-8.")) from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise ValidationError(_("The GeoJSON file must be a FeatureCollection of areas."))
    features = []
    for number, feature in enumerate(document["features"], start=1):
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code = next((str(properties[k]).strip() for k in CODE_KEYS if properties.get(k)), "")
        name = next((str(properties[k]).strip() for k in NAME_KEYS if properties.get(k)), "")
        where = _("Feature %(number)s (%(name)s)") % {"number": number, "name": code or name or "—"}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        features.append(_checked(number, code, name, geometry, where))
    return features


def read_boundaries(data: bytes) -> list[BoundaryFeature]:
    """The polygon features of a GeoJSON or KML file (told apart by content)."""
    if len(data) > MAX_BOUNDARY_FILE_BYTES:
        raise ValidationError(_("The boundary file is larger than 10 MB. Simplify it first."))
    if data[:4] == b"PK\x03\x04":
        raise ValidationError(_("This is a KMZ (zipped KML). Unzip it and upload the .kml inside."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    features = _kml_features(data) if head == b"<" else _geojson_features(data)
    if not features:
        raise ValidationError(_("The file holds no polygon."))
    return features
