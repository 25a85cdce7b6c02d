"""load_spec parses a chip YAML once, and again when the file changes."""
from hardware_models import load_spec
from hardware_models.spec import CHIP_DIR


def test_spec_follows_an_edited_yaml_and_specs_do_not_share_state(tmp_path):
    text = tmp_path / "chip.yaml"
    base = open(f"{CHIP_DIR}/loihi.yaml").read()
    text.write_text(base)
    first = load_spec(str(text))
    second = load_spec(str(text))
    assert first.raw == second.raw
    second.raw["cores"] = -5                      # a caller that edits its spec
    assert load_spec(str(text)).get("cores") == first.get("cores") != -5
    text.write_text(base.replace("cores: 128", "cores: 64", 1))
    assert load_spec(str(text)).get("cores") == 64
