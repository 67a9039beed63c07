pub mod dev_token;
