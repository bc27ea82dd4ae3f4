mod fake_controls;
mod fake_formats;
mod fake_prompts;
mod mock_api;
mod postgres;
mod util;
