# ruff: noqa: E501  (the pages are data: long HTML lines read better whole)
"""Hard-case pages for the browser agent. Each case is a page (served by the test web
host, tests/helpers/webhost.py) and the steps a model that knows the answer would take,
naming every target by its visible text. A page marks success by setting its title to "OK"; an
extraction case succeeds when the expected text comes back from extract_content."""
from __future__ import annotations

from dataclasses import dataclass, field

OK = "<script>function ok(){document.title='OK'}addEventListener('message',e=>{if(e.data==='ok')ok()})</script>"


@dataclass
class Case:
    name: str
    html: str
    steps: list[tuple] = field(default_factory=list)  # (action, target text, argument)
    extra_pages: dict[str, str] = field(default_factory=dict)  # path -> html (the same site)
    cross_origin: dict[str, str] = field(default_factory=dict)  # path -> html (on the web host's other address: another origin)


def page(body: str, title: str = "case") -> str:
    return f"<!doctype html><html><head><title>{title}</title>{OK}</head><body>{body}</body></html>"


ITEMS = "".join(f"<li>Item {i}</li>" for i in range(40))
ROWS = "".join(f"<tr><td>Row {i}</td><td>{i * 7}</td></tr>" for i in range(5000))

CASES = [
    Case("button", page("<button onclick='ok()'>Press me</button>"), [("click", "Press me")]),
    Case("link", page("<a href='/done'>Go to the next page</a>"), [("click", "Go to the next page")],
         extra_pages={"/done": page("done", "OK")}),
    Case("text input", page("<input placeholder='Your name' oninput=\"this.value==='Ada'&&ok()\">"),
         [("input", "Your name", "Ada")]),
    Case("textarea", page("<textarea placeholder='Message' oninput=\"this.value.includes('hi')&&ok()\"></textarea>"),
         [("input", "Message", "hi there")]),
    Case("native select", page("<select onchange=\"this.value==='Blue'&&ok()\"><option>Red</option><option>Blue</option></select>"),
         [("select", "Red | Blue", "Blue")]),
    Case("custom dropdown", page("""<div class=dd onclick="document.getElementById('m').style.display='block'"
         style="cursor:pointer">Choose a fruit ▾</div><ul id=m style="display:none">
         <li role=option onclick="ok()">Banana</li><li role=option>Cherry</li></ul>"""),
         [("click", "Choose a fruit"), ("click", "Banana")]),
    Case("styled radio", page("""<style>input{opacity:0;position:absolute}</style>
         <label><input type=radio name=p onchange=ok()>Express shipping</label>"""), [("click", "Express shipping")]),
    Case("styled checkbox", page("""<input type=checkbox id=c style="display:none" onchange=ok()>
         <label for=c style="cursor:pointer">I agree to the terms</label>"""), [("click", "I agree to the terms")]),
    Case("date input", page("<label>Date <input type=date aria-label='Travel date' onchange=\"this.value==='2025-05-01'&&ok()\"></label>"),
         [("input", "Travel date", "2025-05-01")]),
    Case("date picker", page("""<input readonly placeholder='Pick a day' onclick="document.getElementById('cal').hidden=false">
         <table id=cal hidden><tr>""" + "".join(f"<td onclick=\"{'ok()' if d == 15 else ''}\" style='cursor:pointer'>{d}</td>"
                                               for d in range(10, 20)) + "</tr></table>"),
         [("click", "Pick a day"), ("click", ">15<")]),
    Case("same-origin iframe", page("<iframe srcdoc=\"<button onclick='parent.ok()'>Inside the frame</button>\"></iframe>"),
         [("click", "Inside the frame")]),
    Case("cross-origin iframe", page("<iframe src='http://{other}:{port}/inner'></iframe>"),
         [("click", "Across origins")],
         cross_origin={"/inner": page("<button onclick=\"parent.postMessage('ok','*')\">Across origins</button>")}),
    Case("iframe in a cross-origin iframe", page("<iframe src='http://{other}:{port}/outer'></iframe>"),
         [("click", "Deep inside")],
         cross_origin={"/outer": page("<iframe srcdoc=\"<button onclick=&quot;top.postMessage('ok','*')&quot;>Deep inside</button>\"></iframe>")}),
    Case("shadow DOM", page("""<div id=h></div><script>const r=h.attachShadow({mode:'open'});
         r.innerHTML='<button>In the shadow</button>';r.querySelector('button').onclick=ok</script>"""),
         [("click", "In the shadow")]),
    Case("nested shadow DOM", page("""<div id=h></div><script>const a=h.attachShadow({mode:'open'});
         a.innerHTML='<div id=i></div>';const b=a.getElementById('i').attachShadow({mode:'open'});
         b.innerHTML='<button>Two roots down</button>';b.querySelector('button').onclick=ok</script>"""),
         [("click", "Two roots down")]),
    Case("shadow DOM input", page("""<div id=h></div><script>const r=h.attachShadow({mode:'open'});
         r.innerHTML='<input placeholder="Shadow email">';r.querySelector('input').oninput=e=>e.target.value==='a@b.c'&&ok()</script>"""),
         [("input", "Shadow email", "a@b.c")]),
    Case("infinite scroll", page("""<div id=list>""" + ITEMS + """</div><script>let n=0;addEventListener('scroll',()=>{
         if(innerHeight+scrollY>=document.body.scrollHeight-50&&n<3){n++;const b=document.createElement('button');
         b.textContent='Loaded batch '+n;if(n===2)b.onclick=ok;list.append(...Array.from({length:30},(_, i)=>
         Object.assign(document.createElement('li'),{textContent:'More '+n+'.'+i})),b)}})</script>"""),
         [("scroll", None, 3), ("scroll", None, 3), ("scroll", None, 3), ("click", "Loaded batch 2")]),
    Case("far down a long page", page("<div style='height:6000px'>long</div><button onclick=ok()>At the very bottom</button>"),
         [("scroll", None, 10), ("click", "At the very bottom")]),
    Case("modal dialog", page("""<button onclick="d.showModal()">Open settings</button>
         <dialog id=d><p>Settings</p><button onclick="ok()">Save settings</button></dialog>"""),
         [("click", "Open settings"), ("click", "Save settings")]),
    Case("cookie banner", page("""<button onclick=ok()>Read the article</button><div id=b style="position:fixed;inset:0;
         background:rgba(0,0,0,.6)"><div style="background:#fff;margin-top:40vh;padding:1em">We use cookies
         <button onclick="b.remove()">Accept all</button></div></div>"""),
         [("click", "Accept all"), ("click", "Read the article")]),
    Case("covered by an overlay", page("""<button style="margin:50px" onclick=ok()>Hidden behind</button>
         <div id=o style="position:fixed;inset:0;background:#fff"><button onclick="o.remove()">Close overlay</button></div>"""),
         [("click", "Close overlay"), ("click", "Hidden behind")]),
    Case("new tab link", page("<a href='/tab' target=_blank>Open in a new tab</a>"),
         [("click", "Open in a new tab"), ("click", "On the new tab")],
         extra_pages={"/tab": page("<button onclick=ok()>On the new tab</button>")}),
    Case("window.open popup", page("<button onclick=\"window.open('/popup')\">Open popup</button>"),
         [("click", "Open popup"), ("click", "In the popup")],
         extra_pages={"/popup": page("<button onclick=ok()>In the popup</button>")}),
    Case("long table", page("<table>" + ROWS + "</table>"), [("extract", "Row 4999", "| Row 4999 | 34993 |")]),
    Case("menu on click", page("""<nav><button aria-expanded=false onclick="m.hidden=!m.hidden">Products</button>
         <ul id=m hidden><li><a href='#' onclick='ok()'>Laptops</a></li></ul></nav>"""),
         [("click", "Products"), ("click", "Laptops")]),
    Case("contenteditable", page("<div contenteditable=true aria-label='Comment box' oninput=\"this.textContent.includes('nice')&&ok()\"></div>"),
         [("input", "Comment box", "nice work")]),
    Case("icon button", page("<button aria-label='Delete item' onclick=ok()><svg width=16 height=16><rect width=16 height=16/></svg></button>"),
         [("click", "Delete item")]),
    Case("enabled after a checkbox", page("""<label><input type=checkbox onchange="s.disabled=!this.checked">Accept terms</label>
         <button id=s disabled onclick=ok()>Create account</button>"""),
         [("click", "Accept terms"), ("click", "Create account")]),
    Case("tabs widget", page("""<div role=tablist><span role=tab onclick="p1.hidden=false">Billing</span></div>
         <div id=p1 hidden><button onclick=ok()>Update card</button></div>"""),
         [("click", "Billing"), ("click", "Update card")]),
    Case("accordion", page("<details><summary>Shipping details</summary><a href='#' onclick='ok()'>Track parcel</a></details>"),
         [("click", "Shipping details"), ("click", "Track parcel")]),
    Case("scrollable box", page("<div style='height:150px;overflow:auto'>" + "<p>filler</p>" * 80
                                + "<button onclick=ok()>Inside the box</button></div>"),
         [("scroll_in", "scrollable", 20), ("click", "Inside the box")]),
    Case("form with several fields", page("""<form onsubmit="event.preventDefault();
         if(f.value==='Ada'&&l.value==='Lovelace')ok()"><input id=f placeholder='First name'>
         <input id=l placeholder='Last name'><button>Sign up</button></form>"""),
         [("input", "First name", "Ada"), ("input", "Last name", "Lovelace"), ("click", "Sign up")]),
    Case("late button", page("<script>setTimeout(()=>{const b=document.createElement('button');b.textContent='Finally here';"
                             "b.onclick=ok;document.body.append(b)},1500)</script>"),
         [("wait", None, 2), ("click", "Finally here")]),
    Case("autocomplete", page("""<input placeholder='Search city' oninput="s.innerHTML=this.value?'<li onclick=ok() style=cursor:pointer>'+
         this.value+'hai, China</li>':''"><ul id=s></ul>"""),
         [("input", "Search city", "Shang"), ("click", "Shanghai, China")]),
]
