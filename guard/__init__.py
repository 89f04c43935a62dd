"""AWS Control Tower proactive controls, written as Guard rules, run on the templates as a stack gets them.

``rules/`` holds one Guard file per control (written from the control's documented PASS, FAIL
and SKIP behaviour); :mod:`guard.controls` is the catalogue; :mod:`guard.resolve` turns a
template and a parameter file into the resources a CloudFormation hook is shown;
:mod:`guard.engine` runs the rules; ``python -m guard`` prints the matrix (``make controls``).
"""
