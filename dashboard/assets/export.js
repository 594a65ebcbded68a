/* The PNG button of a chart card (dashboard/components.py chart_card): the chart as an image
 * with a note under it: the dashboard's title, the results line of the page footer (folder,
 * date of the batch, runs per scenario, version) and the day of the download, in the page's
 * language. The note is added to a copy of the figure, never to the chart on screen; the file
 * name and scale are the graph's own toImageButtonOptions (components.graph_config). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    exports: {
        downloadPng: function (clicks, id) {
            const graph = id && document.getElementById(id.chart);
            const gd = graph && (graph.classList.contains("js-plotly-plot")
                ? graph : graph.querySelector(".js-plotly-plot"));
            if (!clicks || !gd || !gd._fullLayout) {
                return window.dash_clientside.no_update;
            }
            const text = (id) => (document.getElementById(id) || {}).innerText || "";
            const parts = [text("app-title"), ...text("footer").split(" · "),
                new Date().toISOString().slice(0, 10)].filter((part) => part.trim());
            const full = gd._fullLayout;
            const size = full._size;  // the plot area and the margins as drawn
            const pixels = (line) => [...line].reduce(
                (sum, c) => sum + (/[\u2e80-\uffef]/.test(c) ? 10 : 6), 0);  // font size 10
            const lines = [""];  // each line fits the image's width
            parts.forEach((part) => {
                const last = lines.length - 1;
                const joined = lines[last] ? lines[last] + " · " + part : part;
                if (lines[last] && pixels(joined) > full.width - 20) lines.push(part);
                else lines[last] = joined;
            });
            const note = lines.join("<br>");
            const extra = 14 * lines.length + 12;
            const margin = Object.assign({}, full.margin, {b: size.b + extra});
            const annotation = {  // at the bottom left of the image, under legend and axes
                text: note,
                xref: "paper", yref: "paper", xanchor: "left", yanchor: "bottom",
                x: (10 - size.l) / size.w, y: (6 - size.b - extra) / size.h,
                showarrow: false, align: "left", font: {size: 10, color: "#555"},
            };
            const layout = Object.assign({}, gd.layout, {
                margin: margin,
                annotations: (gd.layout.annotations || []).concat([annotation]),
                width: full.width, height: full.height + extra,
            });
            const options = Object.assign({format: "png", scale: 2},
                gd._context.toImageButtonOptions || {});
            window.Plotly.downloadImage({data: gd.data, layout: layout},
                Object.assign(options, {width: full.width, height: full.height + extra}));
            return note.replace(/<br>/g, " · ");
        },
    },
});
