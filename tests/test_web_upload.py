"""Adding a plan from the browser (--allow-upload): refused files change nothing; good ones appear everywhere."""

from __future__ import annotations

import io
import shutil
import time

import pytest

from tests.conftest import CORPUS
from web.app import create_app


@pytest.fixture()
def client(built_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(built_data, data)
    return create_app({"DATA_DIR": str(data), "ALLOW_UPLOAD": True}).test_client()


def upload(client, name: str, body: bytes):
    return client.post("/upload.json", data={"file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("name", "body", "words"), [
    ("plan.exe", b"MZ...", "不支持的文件类型"),
    ("empty.txt", b"", "无法读取"),
    ("broken.pdf", b"%PDF-1.4 not really a pdf", "无法读取"),
    ("hangzhoudao-action-plan.txt", None, "已"),
])
def test_bad_files_are_refused_and_change_nothing(client, name, body, words):
    before = client.get("/index.json").get_json()["plans"]
    if body is None:
        body = (CORPUS / "hangzhoudao-action-plan.txt").read_bytes()
    r = upload(client, name, body)
    assert r.status_code == 400, r.data
    assert words in r.get_json()["error"]["message"]
    assert client.get("/index.json").get_json()["plans"] == before


def test_good_file_is_ingested_in_the_background_and_appears(client):
    body = (CORPUS / "hangzhoudao-action-plan.txt").read_bytes()
    r = client.post("/upload", data={"file": (io.BytesIO(body), "新上传的行动方案.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    job_url = r.headers["Location"]
    for _ in range(300):
        job = client.get(job_url + ".json").get_json()["job"]
        if job["state"] != "running":
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    plans = client.get("/index.json").get_json()["plans"]
    assert len(plans) == 3 and any(p["id"] == job["plan_id"] for p in plans)
    hits = client.get("/search.json", query_string={"q": "养老", "plan": job["plan_id"]}).get_json()
    assert hits["total"] > 0
    assert client.get(f"/plan/{job['plan_id']}").status_code == 200


def test_upload_page_is_off_by_default(built_data):
    client = create_app({"DATA_DIR": str(built_data)}).test_client()
    assert client.get("/upload").status_code == 403
    assert "添加规划" not in client.get("/").get_data(as_text=True)
