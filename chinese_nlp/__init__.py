"""Chinese language processing for 注销助手: input normalisation and the project's own spaCy pipeline."""
