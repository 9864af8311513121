"""How a message sounds (chinese_nlp.pinyin): the classifier's syllable features."""

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from chinese_nlp.pinyin import SyllableNgrams, reading_table


@pytest.fixture(scope="module")
def sounds():
    return SyllableNgrams(reading_table(), 2)


def test_homophone_typos_and_traditional_characters_sound_like_the_word(sounds):
    assert sounds.syllables("注销") == sounds.syllables("注消") == sounds.syllables("註銷") == ["zhu", "xiao"]
    assert sounds.syllables("审合") == sounds.syllables("审核")


def test_letters_digits_and_placeholders_stay_whole(sounds):
    assert sounds.syllables("pos机 <phone> 查询 zhuxiao") == ["pos", "ji", "<phone>", "cha", "xun", "zhuxiao"]


def test_features_are_syllables_and_neighbouring_pairs(sounds):
    assert sounds("注销 审核") == ["zhu", "xiao", "shen", "he", "zhu xiao", "xiao shen", "shen he"]
    assert sounds("") == []


def test_a_trained_model_reads_without_pypinyin(sounds):
    """The table travels in the model: loading and using it never imports pypinyin (57 MB)."""
    code = (
        "import pickle, sys; analyzer = pickle.loads(sys.stdin.buffer.read()); "
        "assert analyzer.syllables('註銷') == ['zhu', 'xiao']; "
        "assert not any(m.startswith('pypinyin') for m in sys.modules), 'pypinyin imported'"
    )
    subprocess.run([sys.executable, "-c", code], input=pickle.dumps(sounds), check=True, cwd=Path(__file__).parents[2])
