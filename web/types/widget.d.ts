// static/widget.js runs on partner sites as a classic script; this flag stops a second copy.
interface Window {
  __zhuxiaoWidget?: boolean;
}
