"""How a message sounds (chinese_nlp.pinyin): the classifier's syllable features."""

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from chinese_nlp.linear_classifier import LinearIntentClassifier
from chinese_nlp.pinyin import Syllables, reading_table


@pytest.fixture(scope="module")
def sounds():
    return Syllables(reading_table())


def test_homophone_typos_and_traditional_characters_sound_like_the_word(sounds):
    """The typos nobody listed in the normaliser (审合, 身请, 余饿) reach the classifier as sounds."""
    assert sounds("注销") == sounds("注消") == sounds("註銷") == ["zhu", "xiao"]
    assert sounds("审合") == sounds("审核")
    assert sounds("身请") == sounds("申请")
    assert sounds("余饿") == sounds("余额")


def test_letters_digits_and_placeholders_stay_whole(sounds):
    assert sounds("pos机 <phone> 查询 ka") == ["pos", "ji", "<phone>", "cha", "xun", "ka"]


def test_features_are_syllables_and_neighbouring_pairs():
    component = LinearIntentClassifier({"pinyin_ngrams": [1, 2]}, None, None)  # type: ignore[arg-type]
    features = dict(component._new_model().named_steps["features"].transformer_list)["pinyin"].build_analyzer()
    assert features("注销 审核") == ["zhu", "xiao", "shen", "he", "zhu xiao", "xiao shen", "shen he"]
    assert features("") == []


def test_a_trained_model_reads_without_pypinyin(tmp_path):
    """The table travels in the model: loading the classifier and classifying never import pypinyin
    (57 MB per replica)."""
    component = LinearIntentClassifier({"pinyin_ngrams": [1, 2]}, None, None)  # type: ignore[arg-type]
    documents = ["审核 要 多久", "注销 要 收费 吗", "我 要 注销", "你好"]
    model = component._new_model().fit(documents, ["faq/review_time", "faq/policy_and_fees", "apply", "greet"])
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    code = (
        "import pickle, sys; import chinese_nlp.linear_classifier; "
        f"model = pickle.loads(open({str(tmp_path / 'model.pkl')!r}, 'rb').read()); "
        "assert model.predict(['审合 要 多久'])[0] == 'faq/review_time'; "
        "assert not any(m.startswith('pypinyin') for m in sys.modules), 'pypinyin imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
