#![no_main]

use std::sync::LazyLock;

static TARGET: LazyLock<fuzz_targets::ApiTarget> = LazyLock::new(fuzz_targets::ApiTarget::new);

libfuzzer_sys::fuzz_target!(|data: &[u8]| TARGET.run(data));
